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
/// <param name="BucketColumn">The name of its bucket column: <c>bucket</c>, but <c>minute</c> in the clicks' <c>product_clicks_minute</c>.</param>
/// <param name="CountColumn">The name of its count column: <c>count</c>, but <c>clicks</c> in the clicks' <c>product_clicks_minute</c>.</param>
/// <param name="Distinct">
/// The fields whose distinct values it counts, exactly: each value seen per bucket and dimension values is kept once in
/// <see cref="ValuesTable"/>, so a count over any range and any dimensions left open is a count of distinct values.
/// </param>
public sealed record StreamRollup(
    string Name, string Bucket, IReadOnlyList<string> By, [property: JsonIgnore] IReadOnlyList<string> Sums, string Table,
    [property: JsonIgnore] IReadOnlyList<string> Distinct,
    [property: JsonIgnore] string BucketColumn = "bucket",
    [property: JsonIgnore] string CountColumn = "count")
{
    /// <summary>What it keeps per bucket and dimension values: <c>count</c>, <c>sum(&lt;field&gt;)</c> per sum, <c>count_distinct(&lt;field&gt;)</c> per distinct count.</summary>
    public IReadOnlyList<string> Measures { get; } = ["count", .. Sums.Select(field => $"sum({field})"), .. Distinct.Select(field => $"count_distinct({field})")];

    /// <summary>The sink table of the distinct values it counts: bucket, dimensions, field, value (as a query string gives it).</summary>
    [JsonIgnore]
    public string ValuesTable => Table + "_values";

    [JsonIgnore]
    public long BucketMs { get; } = (long)XmlConvert.ToTimeSpan(Bucket).TotalMilliseconds;

    /// <summary>What a measure of <see cref="Measures"/> reads: the field it sums, or the one whose distinct values it counts; neither for the count.</summary>
    public static (string? Sum, string? Distinct) FieldOf(string measure) =>
        measure.StartsWith("sum(", StringComparison.Ordinal) ? (measure["sum(".Length..^1], null)
        : measure.StartsWith("count_distinct(", StringComparison.Ordinal) ? (null, measure["count_distinct(".Length..^1])
        : (null, null);

    /// <summary>The column of a summed field.</summary>
    public static string SumColumn(string field) => "sum_" + field;
}
