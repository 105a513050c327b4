using ClickOrleans.Staging;
using StackExchange.Redis;

namespace ClickOrleans.Drain;

/// <summary>One chunk of a private list, parsed and split by sink partition; what is not a valid click becomes a dead letter.</summary>
internal sealed class DrainChunk : IDrainChunk
{
    private static readonly Comparison<StagedClick> IndexOrder = static (x, y) =>
        x.Uid != y.Uid ? x.Uid.CompareTo(y.Uid) : x.TimestampMs.CompareTo(y.TimestampMs);

    private DrainChunk(long start, long end, StagedClick[]?[] partitions, List<RedisValue> deadLetters)
    {
        Start = start;
        End = end;
        Partitions = partitions;
        DeadLetters = deadLetters;
    }

    /// <summary>The position of the chunk's oldest element.</summary>
    public long Start { get; }

    /// <summary>The position after the chunk's newest element.</summary>
    public long End { get; }

    public int Count => (int)(End - Start);

    /// <summary>The clicks of each partition, in (uid, ts) order; null where the chunk has none.</summary>
    public StagedClick[]?[] Partitions { get; }

    public List<RedisValue> DeadLetters { get; }

    public List<Task<SinkResult>> Write(ISinkGrain sink, string privateList)
    {
        var writes = new List<Task<SinkResult>>(Partitions.Length);
        for (var partition = 0; partition < Partitions.Length; partition++)
        {
            if (Partitions[partition] is { } clicks)
            {
                writes.Add(sink.Write(new SinkBatch(privateList, partition, Start, End, clicks)));
            }
        }

        return writes;
    }

    /// <param name="partitions">The private list's partition count, fixed when it was taken over.</param>
    public static DrainChunk Parse(ChunkElements elements, string privateList, in ElementContext context, int partitions)
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
                deadLetters.Add(DeadLetter.Of(
                    $"element of {large.Size} bytes is larger than Clicks:MaxElementBytes: dead-lettered by reference (sha1 {large.Sha1}), with its first {large.Prefix.Length} bytes",
                    privateList, position, large.Prefix).ToRedisValue());
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

        return new DrainChunk(elements.Start, elements.End, split, deadLetters);
    }
}
