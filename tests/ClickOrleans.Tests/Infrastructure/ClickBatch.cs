using ClickOrleans.Staging;
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

    /// <summary>When the clicks of <see cref="Of"/> happened: one a millisecond from 2026-11-27T10:00:00Z, by position.</summary>
    public static readonly long ClickedAt = DateTimeOffset.Parse("2026-11-27T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    /// <summary>The test's private list (tick 1 of its staging key).</summary>
    public static string PrivateListOf(TestData data) => new StagingKeys(data.StagingKey).PrivateList(1).ToString();

    /// <summary>Clicks at positions [from, to) of the test's private list, ids derived from their positions, as one partition's batch of the chunk [from, to).</summary>
    public static ClickBatch Of(TestData data, int partition, int from, int to, int uidOffset = 0)
    {
        var seed = ClickId.SeedOf(PrivateListOf(data));
        return new ClickBatch(PrivateListOf(data), partition, from, to, [.. Enumerable.Range(from, to - from)
            .Select(i => new TestClick(i, ClickId.FromPosition(seed, i), null, data.Uid + uidOffset, data.Pid(i), ClickedAt + i))]);
    }

    public EventBatch ToEvents() => TestEvents.Batch(Rules, PrivateList, Partition, ChunkStart, ChunkEnd,
        [.. Clicks.Select(click => new TestEvent(click.Position, click.EventId, click.ClientId, click.TimestampMs, [click.Uid, click.Pid]))]);
}
