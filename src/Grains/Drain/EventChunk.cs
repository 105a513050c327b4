using ClickOrleans.Staging;
using ClickOrleans.Streams;
using StackExchange.Redis;

namespace ClickOrleans.Drain;

/// <summary>
/// One chunk of a private list, parsed by its stream's <see cref="EventRules"/> into typed rows and split by sink
/// partition (by the fields its take-over recorded, or by event id), each partition's rows in the order of the stream's
/// first index; what is not a valid event becomes a dead letter naming the first property that is wrong.
/// </summary>
internal sealed class EventChunk
{
    private readonly EventRules _rules;
    private readonly int[]?[] _partitions;

    private EventChunk(EventRules rules, long start, long end, EventRows rows, int[]?[] partitions, List<RedisValue> deadLetters)
    {
        _rules = rules;
        Start = start;
        End = end;
        Rows = rows;
        _partitions = partitions;
        DeadLetters = deadLetters;
    }

    /// <summary>The position of the chunk's oldest element.</summary>
    public long Start { get; }

    /// <summary>The position after the chunk's newest element.</summary>
    public long End { get; }

    public int Count => (int)(End - Start);

    /// <summary>The valid events of the chunk.</summary>
    public EventRows Rows { get; }

    /// <summary>Per sink partition, its rows in the order they are written; null where the chunk has none.</summary>
    public IReadOnlyList<int[]?> Partitions => _partitions;

    /// <summary>What is not a valid event, as dead letters with the reason; the sink's refusals join them.</summary>
    public List<RedisValue> DeadLetters { get; }

    /// <param name="partitions">The private list's partition count, fixed when it was taken over.</param>
    /// <param name="partitionedBy">What splits its elements into partitions, fixed when it was taken over (<see cref="PrivateList.PartitionedBy"/>).</param>
    public static EventChunk Parse(ChunkElements elements, EventRules rules, string privateList, in ElementContext context, int partitions, string partitionedBy)
    {
        var fields = rules.PartitionFields(partitionedBy);
        var rows = rules.NewRows(elements.Count);
        var partitionOf = new int[elements.Count];
        var sizes = new int[partitions];
        var deadLetters = new List<RedisValue>();
        var errors = new List<(string Property, string Error)>();
        for (var i = 0; i < elements.Count; i++)
        {
            var position = elements.Start + i;
            if (elements.ReferenceOf(i) is { } large)
            {
                deadLetters.Add(DeadLetter.Of(
                    $"element of {large.Size} bytes is larger than Clicks:MaxElementBytes: dead-lettered by reference (sha1 {large.Sha1}), with its first {large.Prefix.Length} bytes",
                    privateList, position, large.Prefix).ToRedisValue());
                continue;
            }

            if (!rules.TryRead(elements[i], staged: true, rows, errors, out var read))
            {
                deadLetters.Add(DeadLetter.Of(EventRules.Reason(errors[0]), privateList, position, elements[i]).ToRedisValue());
                continue;
            }

            var timestamp = read.TimestampMs ?? context.TakenOverAtMs;
            if (timestamp < ClickRules.EarliestTimestampMs || timestamp > context.LatestTimestampMs)
            {
                deadLetters.Add(DeadLetter.Of(
                    $"ts must lie from 0 (1970-01-01) to {context.LatestTimestampMs}, Clicks:MaxClockSkew after its list was taken over",
                    privateList, position, elements[i]).ToRedisValue());
                continue;
            }

            var eventId = read.ApiId ?? (read.Id is { } clientId ? ClickId.FromClientId(clientId) : ClickId.FromPosition(context.IdSeed, position));
            var row = rows.Add(position, eventId, read.ApiId is null ? read.Id : null, timestamp);
            var partition = SinkPartition.Of(rules.PartitionKey(rows, row, fields), partitions);
            partitionOf[row] = partition;
            sizes[partition]++;
        }

        var split = new int[]?[partitions];
        var filled = new int[partitions];
        for (var row = 0; row < rows.Count; row++)
        {
            var partition = partitionOf[row];
            (split[partition] ??= new int[sizes[partition]])[filled[partition]++] = row;
        }

        foreach (var partition in split)
        {
            if (partition is not null)
            {
                rules.Sort(rows, partition);
            }
        }

        return new EventChunk(rules, elements.Start, elements.End, rows, split, deadLetters);
    }

    /// <summary>Starts the write of every partition the chunk has events for, each exactly once by its progress mark.</summary>
    public List<Task<SinkResult>> Write(ISinkGrain sink, string privateList)
    {
        var writes = new List<Task<SinkResult>>(_partitions.Length);
        for (var partition = 0; partition < _partitions.Length; partition++)
        {
            if (_partitions[partition] is not null)
            {
                writes.Add(sink.WriteEvents(BatchOf(privateList, partition)));
            }
        }

        return writes;
    }

    /// <summary>What one partition writes of the chunk.</summary>
    public EventBatch BatchOf(string privateList, int partition) =>
        new(_rules.Stream.Name, _rules.Version, privateList, partition, Start, End, Rows, _partitions[partition] ?? []);
}
