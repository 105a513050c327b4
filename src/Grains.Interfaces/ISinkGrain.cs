using Orleans.Concurrency;

namespace ClickOrleans;

/// <summary>
/// Writes sink partitions in bulk. A stateless worker: it runs on the silo of the drain that calls it, so batches are
/// never copied between silos, and every silo that drains adds writers. Writers of the same private list and partition
/// serialize on the partition's progress mark in the store, not on a grain.
/// </summary>
[Alias("ClickOrleans.ISinkGrain")]
public interface ISinkGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// How long a drain waits for a sink call: longer than the whole retry budget of a write (<c>Clicks:SinkRetries</c>
    /// attempts of <c>Clicks:SinkAttemptTimeout</c> and their waits, checked at start), so that a store that is out
    /// for a while is ridden out by the retries rather than cut off by the call.
    /// </summary>
    const string CallTimeout = "00:03:00";

    /// <summary>Writes a stream's events the store does not have yet, exactly once; retries transient store errors.</summary>
    [ResponseTimeout(CallTimeout)]
    [Alias("WriteEvents")]
    Task<SinkResult> WriteEvents(EventBatch batch);

    /// <summary>Marks a fully drained private list complete: any later write of it (a stale drain) is skipped whole.</summary>
    [AlwaysInterleave]
    [ResponseTimeout(CallTimeout)]
    [Alias("Complete")]
    Task Complete(string privateList);
}
