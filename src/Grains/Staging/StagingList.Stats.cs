using System.Text.Json;
using System.Text.Json.Serialization;
using StackExchange.Redis;

namespace ClickOrleans.Staging;

public sealed partial class StagingList
{
    private static readonly RedisValue[] TotalFields = ["drains", "elements", "written", "duplicates", "dead", "last"];

    /// <summary>The staging list's length: its backlog.</summary>
    public Task<long> LengthAsync() => redis.ListLengthAsync(keys.Staging);

    /// <summary>Adds a finished drain to the totals and keeps it as the last drain.</summary>
    public async Task RecordDrainAsync(DrainResult drain)
    {
        var transaction = redis.CreateTransaction();
        _ = transaction.HashIncrementAsync(keys.Stats, "drains");
        _ = transaction.HashIncrementAsync(keys.Stats, "elements", drain.Elements);
        _ = transaction.HashIncrementAsync(keys.Stats, "written", drain.Written);
        _ = transaction.HashIncrementAsync(keys.Stats, "duplicates", drain.Duplicates);
        _ = transaction.HashIncrementAsync(keys.Stats, "dead", drain.Dead);
        _ = transaction.HashSetAsync(keys.Stats, "last", JsonSerializer.Serialize(drain, StagingJsonContext.Default.DrainResult));
        await transaction.ExecuteAsync();
    }

    /// <summary>Everything but the running state: backlog, pending lists, dead letters, totals and lag.</summary>
    public async Task<AggregatorStats> ReadStatsAsync(DateTimeOffset now, bool draining)
    {
        var backlog = redis.ListLengthAsync(keys.Staging);
        var dead = redis.ListLengthAsync(keys.Dead);
        var totals = redis.HashGetAsync(keys.Stats, TotalFields);
        var pending = new List<PendingListStats>();
        RedisValue oldest = default;
        foreach (var list in await PendingAsync())
        {
            var remaining = await redis.ListLengthAsync(list.Name);
            pending.Add(new PendingListStats(list.Name, list.Offset, remaining));
            if (oldest.IsNull && remaining > 0)
            {
                oldest = await redis.ListGetByIndexAsync(list.Name, -1);
            }
        }

        if (oldest.IsNull)
        {
            oldest = await redis.ListGetByIndexAsync(keys.Staging, -1);
        }

        var figures = await totals;
        var last = figures[5].IsNull ? null : JsonSerializer.Deserialize((string)figures[5]!, StagingJsonContext.Default.DrainResult);
        return new AggregatorStats(
            keys.Staging!,
            await backlog,
            [.. pending],
            await dead,
            new DrainTotals((long)figures[0], (long)figures[1], (long)figures[2], (long)figures[3], (long)figures[4]),
            last,
            Lag(oldest, now),
            draining);
    }

    // Only elements that carry their own timestamp tell how long they have waited; seed-format ones do not.
    private static TimeSpan? Lag(RedisValue oldest, DateTimeOffset now)
    {
        const long noTimestamp = long.MinValue;
        if (oldest.IsNull
            || !StagedElement.TryParse(((ReadOnlyMemory<byte>)oldest).Span, "", 0, noTimestamp, out var click, out _)
            || click.TimestampMs == noTimestamp)
        {
            return null;
        }

        return now - DateTimeOffset.FromUnixTimeMilliseconds(click.TimestampMs);
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DrainResult))]
[JsonSerializable(typeof(DeadLetter))]
internal sealed partial class StagingJsonContext : JsonSerializerContext;
