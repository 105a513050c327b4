namespace ClickOrleans;

/// <summary>
/// A stream's backfill: loads the stream's store from its Parquet archive over whole hours, exactly once, resumed after
/// a crash by a reminder until it ends. One per stream, whose name is the key; its state lives in the lake.
/// </summary>
[Alias("ClickOrleans.IBackfillGrain")]
public interface IBackfillGrain : IGrainWithStringKey
{
    /// <summary>Starts a backfill; or, when one runs or the store already holds events of the range, says why not.</summary>
    [Alias("Start")]
    Task<BackfillStart> Start(BackfillRequest request);

    /// <summary>The running backfill, or the last one; null when the stream never had one.</summary>
    [Alias("GetStatus")]
    Task<BackfillStatus?> GetStatus();
}

/// <summary>What to backfill: the archive's events of [<paramref name="From"/>, <paramref name="To"/>), whole UTC hours, into <paramref name="Sink"/>.</summary>
/// <param name="Sink">The store the stream is written to (<c>postgres</c> or <c>sqlite</c>): the archive is what a backfill reads.</param>
/// <param name="Replace">
/// Whether to replace what the store holds of the range: its events and its rollups' buckets are deleted first, and the
/// archive is read once the drains committed everything accepted before that. Without it, a store that holds data of the
/// range refuses the backfill.
/// </param>
[GenerateSerializer, Immutable, Alias("ClickOrleans.BackfillRequest")]
public sealed record BackfillRequest(DateTimeOffset From, DateTimeOffset To, string Sink, bool Replace = false);

/// <summary>The answer to a start: the backfill started, or why none did (and the one that runs, if any).</summary>
/// <param name="Conflict">Why the backfill was not started; null when it was.</param>
[GenerateSerializer, Immutable, Alias("ClickOrleans.BackfillStart")]
public sealed record BackfillStart(BackfillStatus? Status, string? Conflict);
