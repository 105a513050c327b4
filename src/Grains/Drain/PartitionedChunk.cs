using ClickOrleans.Staging;
using StackExchange.Redis;

namespace ClickOrleans.Drain;

/// <summary>A chunk split by sink partition: the rows of each, written one partition write each.</summary>
/// <typeparam name="TRow">What a partition write carries: clicks, or a declared stream's events.</typeparam>
internal abstract class PartitionedChunk<TRow>(long start, long end, TRow[]?[] partitions, List<RedisValue> deadLetters) : IDrainChunk
{
    public long Start { get; } = start;

    public long End { get; } = end;

    public int Count => (int)(End - Start);

    /// <summary>The rows of each partition; null where the chunk has none.</summary>
    public TRow[]?[] Partitions { get; } = partitions;

    public List<RedisValue> DeadLetters { get; } = deadLetters;

    public List<Task<SinkResult>> Write(ISinkGrain sink, string privateList)
    {
        var writes = new List<Task<SinkResult>>(Partitions.Length);
        for (var partition = 0; partition < Partitions.Length; partition++)
        {
            if (Partitions[partition] is { } rows)
            {
                writes.Add(Write(sink, privateList, partition, rows));
            }
        }

        return writes;
    }

    /// <summary>The dead letter of an element too large to be read whole: by reference, with its first bytes.</summary>
    protected static RedisValue TooLarge(ElementReference large, string privateList, long position) =>
        DeadLetter.Of(
            $"element of {large.Size} bytes is larger than Clicks:MaxElementBytes: dead-lettered by reference (sha1 {large.Sha1}), with its first {large.Prefix.Length} bytes",
            privateList, position, large.Prefix).ToRedisValue();

    protected abstract Task<SinkResult> Write(ISinkGrain sink, string privateList, int partition, TRow[] rows);
}
