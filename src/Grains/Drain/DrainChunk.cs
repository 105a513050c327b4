using ClickOrleans.Staging;
using StackExchange.Redis;

namespace ClickOrleans.Drain;

/// <summary>One chunk of a private list, parsed and split by sink partition; what cannot be parsed becomes a dead letter.</summary>
internal sealed class DrainChunk
{
    private DrainChunk(List<Click>?[] partitions, RedisValue[] deadLetters)
    {
        Partitions = partitions;
        DeadLetters = deadLetters;
    }

    /// <summary>The clicks of each partition; null where the chunk has none.</summary>
    public List<Click>?[] Partitions { get; }

    public RedisValue[] DeadLetters { get; }

    /// <param name="newestFirst">The chunk as LRANGE returns it: its oldest element last.</param>
    /// <param name="offset">The position of the chunk's oldest element in its private list.</param>
    public static DrainChunk Parse(
        RedisValue[] newestFirst, string privateList, long offset, long drainTimeMs, int partitionCount)
    {
        var partitions = new List<Click>?[partitionCount];
        List<RedisValue>? deadLetters = null;
        var expectedPerPartition = newestFirst.Length / partitionCount + 1;
        for (var i = newestFirst.Length - 1; i >= 0; i--)
        {
            var position = offset + (newestFirst.Length - 1 - i);
            var element = (ReadOnlyMemory<byte>)newestFirst[i];
            if (StagedElement.TryParse(element.Span, privateList, position, drainTimeMs, out var click, out var error))
            {
                var partition = SinkPartition.Of(click.Pid, partitionCount);
                (partitions[partition] ??= new List<Click>(expectedPerPartition)).Add(click);
            }
            else
            {
                (deadLetters ??= []).Add(new DeadLetter(error!, privateList, position, (string?)newestFirst[i] ?? "").ToRedisValue());
            }
        }

        return new DrainChunk(partitions, deadLetters?.ToArray() ?? []);
    }
}
