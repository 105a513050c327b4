using System.Text.Json.Serialization;
using System.Xml;

namespace ClickOrleans.Streams;

/// <summary>
/// A rollup of a stream: its events counted per time bucket and per value of its dimensions, and its numeric fields
/// summed, updated in the transaction that stores them, so its measures are exact.
/// </summary>
/// <param name="Name">The rollup's name in the stream.</param>
/// <param name="Bucket">The length of a time bucket, as an ISO 8601 duration (<c>PT1M</c>); buckets start at whole multiples of it since 1970 (UTC).</param>
/// <param name="By">The dimension fields it groups by: required string, int64 or bool fields.</param>
/// <param name="Sums">The int64 and float64 fields it sums (an event without the field adds nothing).</param>
/// <param name="Table">The sink table that holds it: <c>bucket</c>, a column per dimension, <c>count</c>, <c>sum_&lt;field&gt;</c> per sum.</param>
public sealed record StreamRollup(string Name, string Bucket, IReadOnlyList<string> By, [property: JsonIgnore] IReadOnlyList<string> Sums, string Table)
{
    /// <summary>What it keeps per bucket and dimension values: <c>count</c>, then <c>sum(&lt;field&gt;)</c> per sum.</summary>
    public IReadOnlyList<string> Measures { get; } = ["count", .. Sums.Select(field => $"sum({field})")];

    [JsonIgnore]
    public long BucketMs { get; } = (long)XmlConvert.ToTimeSpan(Bucket).TotalMilliseconds;

    /// <summary>The column of a summed field.</summary>
    public static string SumColumn(string field) => "sum_" + field;
}
