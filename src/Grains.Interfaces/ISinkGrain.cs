using Orleans.Concurrency;

namespace ClickOrleans;

/// <summary>
/// Writes sink partitions in bulk. A stateless worker: it runs on the silo of the drain that calls it, so batches are
/// never copied between silos, and every silo that drains adds writers. Writers of the same private list and partition
/// serialize on the partition's progress mark in the store, not on a grain.
/// </summary>
public interface ISinkGrain : IGrainWithIntegerKey
{
    /// <summary>Writes the clicks the store does not have yet, exactly once; retries transient store errors.</summary>
    Task<SinkResult> Write(SinkBatch batch);

    /// <summary>Marks a fully drained private list complete: any later write of it (a stale drain) is skipped whole.</summary>
    [AlwaysInterleave]
    Task Complete(string privateList);
}
