using ClickOrleans.Staging;
using ClickOrleans.Streams;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>One event as a test hands it to the sink: its declared fields' values in the schema's order, null where absent.</summary>
public readonly record struct TestEvent(long Position, Guid EventId, string? ClientId, long TimestampMs, object?[] Values);

/// <summary>Events as the drain hands them to the sink, made from plain values: rows laid out by the stream's rules.</summary>
public static class TestEvents
{
    /// <summary>A private list of the staging list no take-over names: a tick id far from any clock's.</summary>
    public static string PrivateList(string stagingKey) => new StagingKeys(stagingKey).PrivateList(Random.Shared.NextInt64(1L << 40, 1L << 50))!;

    public static EventRows Rows(EventRules rules, IReadOnlyList<TestEvent> events)
    {
        var rows = rules.NewRows(events.Count);
        var shape = rules.Shape;
        foreach (var @event in events)
        {
            var row = rows.Count;
            for (var field = 0; field < @event.Values.Length; field++)
            {
                var slot = rules.SlotOf(field);
                rows.Present[(row * shape.Fields) + field] = @event.Values[field] is not null;
                switch (@event.Values[field])
                {
                    case long number:
                        rows.Longs[(row * shape.Longs) + slot] = number;
                        break;
                    case bool flag:
                        rows.Longs[(row * shape.Longs) + slot] = flag ? 1 : 0;
                        break;
                    case double real:
                        rows.Doubles[(row * shape.Doubles) + slot] = real;
                        break;
                    case decimal exact:
                        rows.Decimals[(row * shape.Decimals) + slot] = exact;
                        break;
                    case Guid uuid:
                        rows.Uuids[(row * shape.Uuids) + slot] = uuid;
                        break;
                    case string text:
                        rows.Strings[(row * shape.Strings) + slot] = text;
                        break;
                }
            }

            rows.Add(@event.Position, @event.EventId, @event.ClientId, @event.TimestampMs);
        }

        return rows;
    }

    /// <summary>Every event as one partition's write of the chunk [<paramref name="chunkStart"/>, <paramref name="chunkEnd"/>).</summary>
    public static EventBatch Batch(EventRules rules, string privateList, int partition, long chunkStart, long chunkEnd, IReadOnlyList<TestEvent> events) =>
        new(rules.Stream.Name, rules.Version, privateList, partition, chunkStart, chunkEnd, Rows(rules, events), [.. Enumerable.Range(0, events.Count)]);
}
