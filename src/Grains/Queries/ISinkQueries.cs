using ClickOrleans.Streams;

namespace ClickOrleans.Queries;

/// <summary>What the data is for: reads of the sink's rollups and raw events, the same answers from every sink; and of the schema versions it recorded.</summary>
public interface ISinkQueries
{
    /// <summary>The definition of a stream's schema version as the sink recorded it (<see cref="SchemaVersion"/>); null when it has none.</summary>
    Task<string?> DefinitionAsync(string stream, string version, CancellationToken cancellationToken);

    Task<MinuteClicks[]> ProductMinutesAsync(long pid, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    Task<TopProduct[]> TopProductsAsync(DateTimeOffset since, DateTimeOffset until, int limit, CancellationToken cancellationToken);

    Task<UserClick[]> UserClicksAsync(long uid, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// A declared rollup's buckets starting in [from, to), in order, summed over the dimensions no filter names; its
    /// distinct counts count the distinct values over those dimensions.
    /// </summary>
    /// <param name="filters">Dimension fields and the values kept (as <see cref="DimensionValues.Parse"/> reads them).</param>
    Task<RollupBucket[]> RollupAsync(
        StreamRollup rollup, IReadOnlyList<(StreamField Field, object Value)> filters, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    /// <summary>A declared stream's events in [from, to) whose fields hold the values of <paramref name="filters"/>, newest first (ties by event id).</summary>
    /// <param name="filters">Fields and the values kept (as <see cref="DimensionValues.Parse"/> reads them): a prefix of one of its indexes, or none (its ts index).</param>
    Task<StoredEvent[]> EventsAsync(
        StreamSchema stream, IReadOnlyList<(StreamField Field, object Value)> filters, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken);

    /// <summary>The values of dimension <paramref name="by"/> with the largest measure over the buckets starting in [from, to), largest first, ties by value.</summary>
    /// <param name="measure">One of the rollup's <see cref="StreamRollup.Measures"/>.</param>
    Task<TopValue[]> RollupTopAsync(
        StreamRollup rollup, StreamField by, string measure, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The stream's ledger entries committed in [from, to) with an id above <paramref name="after"/>, by id, at most
    /// <paramref name="limit"/>; and the totals of all its entries in [from, to).
    /// </summary>
    Task<(LedgerTotals Totals, LedgerEntry[] Entries)> LedgerAsync(
        string stream, DateTimeOffset from, DateTimeOffset to, long after, int limit, CancellationToken cancellationToken);
}
