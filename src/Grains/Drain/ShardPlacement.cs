using ClickOrleans.Staging;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace ClickOrleans.Drain;

/// <summary>
/// Places the aggregators of a stream's shards round the active silos: shard n on the (n mod silos)-th silo in address
/// order, so S shards on S silos drain on S silos, each with its own CPU and its own sink writers. When a silo dies, only
/// its shards move; when silos join, an aggregator that finds itself off its place migrates between drains
/// (<see cref="AggregatorGrain"/>), so a cluster that started one silo at a time spreads out.
/// </summary>
/// <remarks>
/// Orleans' random placement (the default) often puts two of three shards on one silo, and resource-optimized placement
/// weighs memory and CPU that a drain uses in bursts; a shard's number is the load-independent spread that makes
/// throughput grow with the cluster.
/// </remarks>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("ClickOrleans.ShardPlacement")]
public sealed class ShardPlacement : PlacementStrategy
{
    /// <summary>The silo a shard's aggregator belongs on, among these.</summary>
    public static SiloAddress SiloOf(string shardKey, IEnumerable<SiloAddress> silos)
    {
        var ordered = silos.OrderBy(silo => silo.ToParsableString(), StringComparer.Ordinal).ToArray();
        return ordered[StagingStream.ShardOf(shardKey) % ordered.Length];
    }
}

/// <summary>Places the grain with <see cref="ShardPlacement"/>; its key must be a shard's staging key.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ShardPlacementAttribute() : PlacementAttribute(new ShardPlacement());

internal sealed class ShardPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context) =>
        Task.FromResult(ShardPlacement.SiloOf(target.GrainIdentity.Key.ToString()!, context.GetCompatibleSilos(target)));
}
