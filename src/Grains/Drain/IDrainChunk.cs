using StackExchange.Redis;

namespace ClickOrleans.Drain;

/// <summary>One chunk of a private list, parsed: what the drain writes to the sink partitions, then commits in Redis.</summary>
internal interface IDrainChunk
{
    /// <summary>The position of the chunk's oldest element.</summary>
    long Start { get; }

    /// <summary>The position after the chunk's newest element.</summary>
    long End { get; }

    int Count { get; }

    /// <summary>What is not a valid event, as dead letters with the reason; the sink's refusals join them.</summary>
    List<RedisValue> DeadLetters { get; }

    /// <summary>Starts the write of every partition the chunk has events for, each exactly once by its progress mark.</summary>
    List<Task<SinkResult>> Write(ISinkGrain sink, string privateList);
}
