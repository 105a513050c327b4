namespace ClickOrleans.Streams;

/// <summary>
/// What a stream is: the fields of its events, what becomes of properties it does not name, its rollups and indexes,
/// where it is staged and where it is stored.
/// </summary>
/// <param name="Name">The stream's name, as in <c>/streams/{stream}</c>.</param>
/// <param name="Fields">Every field of its events, <c>id</c> and <c>ts</c> first.</param>
/// <param name="StagingKey">The Redis list producers push to: shard 0, the others are <c>&lt;key&gt;:1</c> … <c>&lt;key&gt;:&lt;Shards-1&gt;</c>.</param>
/// <param name="Table">The sink table of its raw events.</param>
/// <param name="Drain">How it is drained: its own settings, or the shared ones of the <c>Clicks</c> section.</param>
/// <param name="Sinks">Where its events go, as <c>Streams:&lt;name&gt;:Sinks</c> lists them (<see cref="StreamSinks"/>); null: the deployment's store alone.</param>
/// <param name="Retention">
/// How long the store keeps its raw events, as an ISO 8601 duration of whole days (<c>P30D</c>): its table is split
/// into a partition per UTC day, and a day is dropped whole once it ended that long ago; rollups and the archive keep
/// everything. Null: the store keeps every event.
/// </param>
/// <param name="TimeLookupField">
/// For a table without an index on <c>ts</c> alone, the int64 field an index leads with before <c>ts</c>, through which
/// an event is looked up by id and time: the clicks' <c>uid</c> (<c>clicks_uid_ts</c>). Null: the table has its index
/// on <c>ts</c>, as every declared stream's.
/// </param>
public sealed record StreamSchema(
    string Name,
    string Description,
    IReadOnlyList<StreamField> Fields,
    ExtraProperties Extra,
    IReadOnlyList<StreamRollup> Rollups,
    IReadOnlyList<StreamIndex> Indexes,
    string StagingKey,
    int Shards,
    string Table,
    StreamDrainSettings Drain,
    IReadOnlyList<string>? Sinks = null,
    string? Retention = null,
    [property: System.Text.Json.Serialization.JsonIgnore] string? TimeLookupField = null)
{
    /// <summary><see cref="Retention"/> as a time span; null when the store keeps every event.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public TimeSpan? RetentionPeriod => Retention is null ? null : System.Xml.XmlConvert.ToTimeSpan(Retention);

    /// <summary>
    /// The earliest time whose events the store is sure to hold at <paramref name="now"/>: the start of the UTC day
    /// <see cref="Retention"/> before it (a day is dropped once it ended that long ago); null without a retention.
    /// </summary>
    public DateTimeOffset? KeptSince(DateTimeOffset now) =>
        RetentionPeriod is { } period ? new DateTimeOffset((now - period).UtcDateTime.Date, TimeSpan.Zero) : null;

    /// <summary>Whether a day partition that ends at <paramref name="end"/> is past the retention at <paramref name="now"/>, to be dropped whole.</summary>
    public bool IsExpired(DateTimeOffset end, DateTimeOffset now) => RetentionPeriod is { } period && end <= now - period;

    /// <summary>Whether the stream's events are also archived as Parquet files (<c>Streams:&lt;name&gt;:Sinks</c> names <c>parquet</c>).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Archived => Sinks?.Contains(StreamSinks.Parquet) == true;

    /// <summary>
    /// Whether a query for equal values of <paramref name="fields"/> has an index: one whose first fields they are (in
    /// any order), or the index on <c>ts</c> every table has, for none.
    /// </summary>
    public bool IsIndexed(IReadOnlyCollection<string> fields) =>
        fields.Count == 0 || Indexes.Any(index => index.Keys.Take(fields.Count).Order(StringComparer.Ordinal).SequenceEqual(fields.Order(StringComparer.Ordinal)));
}
