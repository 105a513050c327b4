using ClickOrleans.Staging;
using StackExchange.Redis;

namespace ClickOrleans.Drain;

/// <summary>One chunk of a clicks' private list, parsed and split by sink partition (by product id), each in (uid, ts) order.</summary>
internal sealed class ClickChunk(long start, long end, StagedClick[]?[] partitions, List<RedisValue> deadLetters)
    : PartitionedChunk<StagedClick>(start, end, partitions, deadLetters)
{
    /// <summary>Clicks are split into partitions by product, the key of their rollup (recorded at take-over, as every list's split).</summary>
    public const string PartitionedBy = "pid";

    private static readonly Comparison<StagedClick> IndexOrder = static (x, y) =>
        x.Uid != y.Uid ? x.Uid.CompareTo(y.Uid) : x.TimestampMs.CompareTo(y.TimestampMs);

    /// <param name="partitions">The private list's partition count, fixed when it was taken over.</param>
    public static ClickChunk Parse(ChunkElements elements, string privateList, in ElementContext context, int partitions)
    {
        var clicks = new StagedClick[elements.Count];
        var partitionOf = new int[elements.Count];
        var sizes = new int[partitions];
        var valid = 0;
        var deadLetters = new List<RedisValue>();
        for (var i = 0; i < elements.Count; i++)
        {
            var position = elements.Start + i;
            if (elements.ReferenceOf(i) is { } large)
            {
                deadLetters.Add(TooLarge(large, privateList, position));
            }
            else if (StagedElement.TryParse(elements[i], context, position, out var click, out var error))
            {
                var partition = SinkPartition.Of(click.Pid, partitions);
                clicks[valid] = click;
                partitionOf[valid++] = partition;
                sizes[partition]++;
            }
            else
            {
                deadLetters.Add(DeadLetter.Of(error!, privateList, position, elements[i]).ToRedisValue());
            }
        }

        var split = new StagedClick[]?[partitions];
        var filled = new int[partitions];
        for (var i = 0; i < valid; i++)
        {
            var partition = partitionOf[i];
            (split[partition] ??= new StagedClick[sizes[partition]])[filled[partition]++] = clicks[i];
        }

        // In index order: each partition's rows reach the store's (uid, ts) index in key order, page after page.
        foreach (var partition in split)
        {
            if (partition is not null)
            {
                Array.Sort(partition, IndexOrder);
            }
        }

        return new ClickChunk(elements.Start, elements.End, split, deadLetters);
    }

    protected override Task<SinkResult> Write(ISinkGrain sink, string privateList, int partition, StagedClick[] rows) =>
        sink.Write(new SinkBatch(privateList, partition, Start, End, rows));
}
