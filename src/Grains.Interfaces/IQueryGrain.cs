using Orleans.Concurrency;

namespace ClickOrleans;

/// <summary>Reads the sink for the query API; any silo answers, so the Api needs no database credentials.</summary>
[Alias("ClickOrleans.IQueryGrain")]
public interface IQueryGrain : IGrainWithIntegerKey
{
    /// <summary>A product's clicks per minute in [from, to).</summary>
    [AlwaysInterleave]
    [Alias("GetProductClicks")]
    Task<ProductClicks> GetProductClicks(long pid, DateTimeOffset from, DateTimeOffset to);

    /// <summary>The most clicked products in [since, until).</summary>
    [AlwaysInterleave]
    [Alias("GetTopProducts")]
    Task<TopProduct[]> GetTopProducts(DateTimeOffset since, DateTimeOffset until, int limit);

    /// <summary>A user's clicks in [from, to), newest first.</summary>
    [AlwaysInterleave]
    [Alias("GetUserClicks")]
    Task<UserClick[]> GetUserClicks(long uid, DateTimeOffset from, DateTimeOffset to, int limit);

    /// <summary>
    /// A declared stream's rollup per bucket starting in [from, to), summed over the dimensions <paramref name="filters"/>
    /// leaves open; null when the silo runs no such stream or rollup.
    /// </summary>
    [AlwaysInterleave]
    [Alias("GetRollup")]
    Task<RollupSeries?> GetRollup(string stream, string rollup, DateTimeOffset from, DateTimeOffset to, DimensionValue[] filters);

    /// <summary>
    /// A declared stream's events in [from, to) whose fields hold the values of <paramref name="filters"/> (the first
    /// fields of one of its indexes, or none), newest first; null when the silo runs no such stream or index.
    /// </summary>
    [AlwaysInterleave]
    [Alias("GetEvents")]
    Task<StoredEvent[]?> GetEvents(string stream, DimensionValue[] filters, DateTimeOffset from, DateTimeOffset to, int limit);

    /// <summary>
    /// The values of one dimension of a declared stream's rollup with the largest measure (<c>count</c> or
    /// <c>sum(&lt;field&gt;)</c>) over the buckets starting in [from, to); null when the silo runs no such rollup.
    /// </summary>
    [AlwaysInterleave]
    [Alias("GetRollupTop")]
    Task<RollupTop?> GetRollupTop(string stream, string rollup, string by, string measure, DateTimeOffset from, DateTimeOffset to, int limit);

    /// <summary>
    /// A sink's ledger of a stream: its commits in [from, to) after entry <paramref name="after"/>, oldest first, at most
    /// <paramref name="limit"/>; null when the silo runs no such stream, or the stream no such sink.
    /// </summary>
    /// <param name="sink">
    /// The store (null, or its name: <c>postgres</c>, <c>sqlite</c>) or the archive (<c>parquet</c>). Last, so that a
    /// call of the release before it (without it) reads the store's ledger, as it did.
    /// </param>
    [AlwaysInterleave]
    [Alias("GetLedger")]
    Task<StreamLedger?> GetLedger(string stream, DateTimeOffset from, DateTimeOffset to, long after, int limit, string? sink);
}

/// <summary>The values of dimension <see cref="By"/> with the largest <see cref="Measure"/> in [From, To), largest first.</summary>
[GenerateSerializer, Immutable, Alias("ClickOrleans.RollupTop")]
public sealed record RollupTop(string Stream, string Rollup, string By, string Measure, DateTimeOffset From, DateTimeOffset To, TopValue[] Top);

/// <summary>A dimension value (as a query string would give it) and its measure.</summary>
[GenerateSerializer, Immutable, Alias("ClickOrleans.TopValue")]
public sealed record TopValue(string Value, double Measure);

/// <summary>A rollup's buckets in [From, To), for the dimension values of <see cref="Filters"/>.</summary>
[GenerateSerializer, Immutable, Alias("ClickOrleans.RollupSeries")]
public sealed record RollupSeries(string Stream, string Rollup, DateTimeOffset From, DateTimeOffset To, DimensionValue[] Filters, RollupBucket[] Buckets);

/// <summary>
/// One bucket: its start, its events, per summed field the sum (an int64 sum beyond 2^53 loses precision) and, for a
/// rollup that counts distinct values, per counted field how many distinct values its events had.
/// </summary>
[GenerateSerializer, Immutable, Alias("ClickOrleans.RollupBucket")]
public sealed record RollupBucket(
    DateTimeOffset Start, long Count, Dictionary<string, double> Sums,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] Dictionary<string, long>? Distinct = null);

/// <summary>A dimension of a rollup, or a field of an index, and the value a query keeps, as the query string gave it.</summary>
[GenerateSerializer, Immutable, Alias("ClickOrleans.DimensionValue")]
public sealed record DimensionValue(string Field, string Value);

[GenerateSerializer, Immutable, Alias("ClickOrleans.ProductClicks")]
public sealed record ProductClicks(long Pid, DateTimeOffset From, DateTimeOffset To, long Total, MinuteClicks[] Minutes);

[GenerateSerializer, Immutable, Alias("ClickOrleans.MinuteClicks")]
public sealed record MinuteClicks(DateTimeOffset Minute, long Clicks);

[GenerateSerializer, Immutable, Alias("ClickOrleans.TopProduct")]
public sealed record TopProduct(long Pid, long Clicks);

[GenerateSerializer, Immutable, Alias("ClickOrleans.UserClick")]
public sealed record UserClick(string Id, long Pid, DateTimeOffset Ts);
