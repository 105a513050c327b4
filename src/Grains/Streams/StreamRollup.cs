namespace ClickOrleans.Streams;

/// <summary>
/// A rollup of a stream: its events counted per time bucket and per value of its dimensions, updated in the transaction
/// that stores them, so its counts are exact.
/// </summary>
/// <param name="Name">The rollup's name in the stream.</param>
/// <param name="Bucket">The length of a time bucket, as an ISO 8601 duration (<c>PT1M</c>).</param>
/// <param name="By">The dimension fields it groups by.</param>
/// <param name="Measures">What it keeps per bucket and dimension values, as <c>count</c> or <c>sum(&lt;field&gt;)</c>.</param>
/// <param name="Table">The sink table that holds it.</param>
public sealed record StreamRollup(string Name, string Bucket, IReadOnlyList<string> By, IReadOnlyList<string> Measures, string Table);
