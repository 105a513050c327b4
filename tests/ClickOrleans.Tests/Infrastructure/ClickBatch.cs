using ClickOrleans.Streams;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>One click as a test hands it to the sink: the values the drain reads from an element.</summary>
public readonly record struct TestClick(long Position, Guid EventId, string? ClientId, long Uid, long Pid, long TimestampMs);

/// <summary>
/// Clicks at positions [<paramref name="ChunkStart"/>, <paramref name="ChunkEnd"/>) of a private list that belong to one
/// sink partition, as plain values; <see cref="ToEvents"/> makes the clicks stream's <see cref="EventBatch"/> the drain
/// would hand the sink.
/// </summary>
public sealed record ClickBatch(string PrivateList, int Partition, long ChunkStart, long ChunkEnd, TestClick[] Clicks)
{
    /// <summary>The built-in clicks stream's rules, as every silo compiles them.</summary>
    public static EventRules Rules { get; } = new(ClickStream.Schema(new ClickOptions()));

    public EventBatch ToEvents() => TestEvents.Batch(Rules, PrivateList, Partition, ChunkStart, ChunkEnd,
        [.. Clicks.Select(click => new TestEvent(click.Position, click.EventId, click.ClientId, click.TimestampMs, [click.Uid, click.Pid]))]);
}
