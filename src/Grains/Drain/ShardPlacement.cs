using ClickOrleans.Staging;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace ClickOrleans.Drain;

/// <summary>
/// Places the aggregators of a stream's shards round the active silos: shard n on the (n mod silos)-th silo in address
/// order, so S shards on S silos drain on S silos, each with its own CPU and its own sink writers. Placement decides
/// only where a new activation goes: when a silo dies, only its shards move; the others keep their silos.
/// </summary>
/// <remarks>
/// Orleans' random placement (the default) often puts two of three shards on one silo, and resource-optimized placement
/// weighs memory and CPU that a drain uses in bursts; a shard's number is the load-independent spread that makes
/// throughput grow with the cluster.
/// </remarks>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class ShardPlacement : PlacementStrategy;

/// <summary>Places the grain with <see cref="ShardPlacement"/>; its key must be a shard's staging key.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ShardPlacementAttribute() : PlacementAttribute(new ShardPlacement());

internal sealed class ShardPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target).OrderBy(silo => silo.ToParsableString(), StringComparer.Ordinal).ToArray();
        var shard = StagingStream.ShardOf(target.GrainIdentity.Key.ToString()!);
        return Task.FromResult(silos[shard % silos.Length]);
    }
}
