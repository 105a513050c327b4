using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using StackExchange.Redis;

namespace ClickOrleans.Drain;

/// <summary>
/// One chunk of a declared stream's private list, parsed by its <see cref="EventRules"/> and split by sink partition
/// (by event id, or by the fields its take-over recorded); what is not a valid event becomes a dead letter naming the
/// first property that is wrong.
/// </summary>
internal sealed class EventChunk(string stream, long start, long end, StagedEvent[]?[] partitions, List<RedisValue> deadLetters)
    : PartitionedChunk<StagedEvent>(start, end, partitions, deadLetters)
{
    /// <param name="partitions">The private list's partition count, fixed when it was taken over.</param>
    /// <param name="partitionedBy">What splits its elements into partitions, fixed when it was taken over (<see cref="PrivateList.PartitionedBy"/>).</param>
    public static EventChunk Parse(ChunkElements elements, EventRules rules, string privateList, in ElementContext context, int partitions, string partitionedBy)
    {
        var fields = rules.PartitionFields(partitionedBy);
        var split = new List<StagedEvent>?[partitions];
        var deadLetters = new List<RedisValue>();
        var errors = new List<(string Property, string Error)>();
        for (var i = 0; i < elements.Count; i++)
        {
            var position = elements.Start + i;
            if (elements.ReferenceOf(i) is { } large)
            {
                deadLetters.Add(TooLarge(large, privateList, position));
            }
            else if (TryParse(elements[i], rules, context, position, errors, out var parsed, out var error))
            {
                (split[SinkPartition.Of(fields is null ? PartitionKey(parsed.EventId) : PartitionKey(parsed.Values, fields), partitions)] ??= []).Add(parsed);
            }
            else
            {
                deadLetters.Add(DeadLetter.Of(error, privateList, position, elements[i]).ToRedisValue());
            }
        }

        return new EventChunk(rules.Stream.Name, elements.Start, elements.End, [.. split.Select(events => events?.ToArray())], deadLetters);
    }

    private static bool TryParse(
        ReadOnlySpan<byte> utf8, EventRules rules, in ElementContext context, long position, List<(string Property, string Error)> errors,
        out StagedEvent parsed, out string error)
    {
        parsed = default;
        errors.Clear();
        var values = new object?[rules.Declared.Count];
        string? id, extra;
        long? ts;
        try
        {
            using var document = JsonDocument.Parse(utf8.ToArray());
            rules.Read(document.RootElement, staged: true, out id, out ts, values, out extra, errors);
        }
        catch (JsonException e)
        {
            error = "malformed JSON: " + e.Message;
            return false;
        }

        var timestamp = ts ?? context.TakenOverAtMs;
        if (errors.Count == 0 && timestamp > context.LatestTimestampMs)
        {
            errors.Add(("ts", $"must lie from 0 (1970-01-01) to {context.LatestTimestampMs}, Clicks:MaxClockSkew after its list was taken over"));
        }

        if (errors.Count > 0)
        {
            error = errors[0].Property == "$" ? "not a JSON object" : $"{errors[0].Property} {errors[0].Error}";
            return false;
        }

        var clientId = id;
        Guid eventId;
        if (id is null)
        {
            eventId = ClickId.FromPosition(context.IdSeed, position);
        }
        else if (ClickId.TryParseHex(Encoding.UTF8.GetBytes(id), out eventId))
        {
            clientId = null; // the Api's own id, stored as the uuid it is
        }
        else
        {
            eventId = ClickId.FromClientId(id);
        }

        parsed = new StagedEvent(position, eventId, clientId, timestamp, values, extra);
        error = "";
        return true;
    }

    protected override Task<SinkResult> Write(ISinkGrain sink, string privateList, int partition, StagedEvent[] rows) =>
        sink.WriteEvents(new EventBatch(stream, privateList, partition, Start, End, rows));

    /// <summary>A hash of the values of the fields: the same on every silo and release (XxHash64 of their canonical bytes).</summary>
    private static long PartitionKey(object?[] values, int[] fields)
    {
        var hash = new XxHash64();
        Span<byte> number = stackalloc byte[8];
        foreach (var field in fields)
        {
            switch (values[field])
            {
                case string text:
                    hash.Append(Encoding.UTF8.GetBytes(text));
                    break;
                case long value:
                    BinaryPrimitives.WriteInt64LittleEndian(number, value);
                    hash.Append(number);
                    break;
                case bool flag:
                    hash.Append(flag ? [1] : [0]);
                    break;
            }

            hash.Append([0xff]); // a separator: ("ab", "c") and ("a", "bc") differ
        }

        return (long)hash.GetCurrentHashAsUInt64();
    }

    private static long PartitionKey(Guid eventId)
    {
        Span<byte> bytes = stackalloc byte[16];
        eventId.TryWriteBytes(bytes);
        return BitConverter.ToInt64(bytes[8..]);
    }
}
