using System.Text.Json;
using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>
/// The drain stats of one staging list, kept in Redis so they outlive activations and any host can read them:
/// totals (recorded chunk by chunk by the commit script), the last drain, the last failure, the last progress. The
/// hash's field names are <see cref="DrainStatsFields"/>'s.
/// </summary>
public sealed class DrainStats(IDatabase redis, StagingKeys keys)
{
    /// <summary>A drain completed: count it, keep it as the last drain, and end a run of failures.</summary>
    public async Task RecordCompletedAsync(DrainResult drain)
    {
        var transaction = redis.CreateTransaction();
        _ = transaction.HashIncrementAsync(keys.Stats, DrainStatsFields.Drains);
        _ = transaction.HashSetAsync(keys.Stats, [new(DrainStatsFields.LastDrain, Serialize(drain)), new(DrainStatsFields.FailuresInARow, 0)]);
        await transaction.ExecuteAsync();
    }

    /// <summary>A drain failed: count it, in a row too, and keep why.</summary>
    public async Task RecordFailedAsync(DrainFailure failure)
    {
        var transaction = redis.CreateTransaction();
        _ = transaction.HashIncrementAsync(keys.Stats, DrainStatsFields.Failed);
        _ = transaction.HashIncrementAsync(keys.Stats, DrainStatsFields.FailuresInARow);
        _ = transaction.HashSetAsync(keys.Stats, DrainStatsFields.LastFailure, Serialize(failure));
        await transaction.ExecuteAsync();
    }

    // KEYS[1] stats. ARGV[1] events the sink committed, ARGV[2..4] the sink's fields: written, last commit, failures in a row.
    private static readonly FlaggedScript SinkCommitScript = new("allow-oom", """
        local time = redis.call('TIME')
        redis.call('HINCRBY', KEYS[1], ARGV[2], ARGV[1])
        redis.call('HSET', KEYS[1], ARGV[3], tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000), ARGV[4], 0)
        return 1
        """);

    /// <summary>A sink committed a write of this staging list's events (or a list's completion: none): count them and end its run of failures.</summary>
    public Task RecordSinkCommitAsync(string sink, long events) =>
        SinkCommitScript.EvaluateAsync(
            redis,
            [keys.Stats],
            [events, DrainStatsFields.OfSink(sink, DrainStatsFields.SinkWritten), DrainStatsFields.OfSink(sink, DrainStatsFields.SinkLastCommit),
                DrainStatsFields.OfSink(sink, DrainStatsFields.SinkFailuresInARow)]);

    /// <summary>A sink's write or completion failed after its retries: count it, in a row, and keep why.</summary>
    public async Task RecordSinkFailedAsync(string sink, DrainFailure failure)
    {
        var transaction = redis.CreateTransaction();
        _ = transaction.HashIncrementAsync(keys.Stats, DrainStatsFields.OfSink(sink, DrainStatsFields.SinkFailuresInARow));
        _ = transaction.HashSetAsync(keys.Stats, DrainStatsFields.OfSink(sink, DrainStatsFields.SinkLastFailure), Serialize(failure));
        await transaction.ExecuteAsync();
    }

    // KEYS[1] staging list, KEYS[2] since when it waits. Returns {length, waiting since (0: empty), now}, Redis' clock (ms).
    // The first look at a staging list with elements notes since when it waits; a take-over, or an empty list, clears it.
    private static readonly FlaggedScript WaitingScript = new("allow-oom", """
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local length = redis.call('LLEN', KEYS[1])
        if length == 0 then
          redis.call('DEL', KEYS[2])
          return {0, 0, now}
        end
        local since = tonumber(redis.call('GET', KEYS[2]) or '0')
        if since == 0 then
          since = now
          redis.call('SET', KEYS[2], now)
        end
        return {length, since, now}
        """);

    /// <summary>The staging list's length and, when it holds elements, since when they wait (noted now if nobody had), in Redis' clock.</summary>
    public async Task<StagingWait> WaitingAsync()
    {
        var result = (long[])(await WaitingScript.EvaluateAsync(redis, [keys.Staging, keys.WaitingSince], []))!;
        return new StagingWait(result[0], result[1] == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(result[1]), DateTimeOffset.FromUnixTimeMilliseconds(result[2]));
    }

    /// <summary>Backlog, private lists, dead letters, totals, lag and whether the drain is stalled, in one round trip.</summary>
    /// <param name="stallAfter">See <c>Clicks:StallAfter</c>; null: three drain periods.</param>
    public async Task<AggregatorStats> ReadAsync(DateTimeOffset now, bool draining, TimeSpan? stallAfter)
    {
        var lists = new PrivateLists(redis, keys);
        var wait = await WaitingAsync();
        var batch = redis.CreateBatch();
        var dead = batch.ListLengthAsync(keys.Dead);
        var values = batch.HashGetAllAsync(keys.Stats);
        var period = batch.StringGetAsync(keys.SchedulePeriod);
        var oldestStaged = batch.ListGetByIndexAsync(keys.Staging, -1);
        batch.Execute();
        var privateLists = await lists.AllAsync();
        var oldest = privateLists.Count > 0 ? await redis.ListGetByIndexAsync(privateLists[0].Name, -1) : await oldestStaged;

        var stored = (await values).ToDictionary(entry => (string)entry.Name!, entry => entry.Value, StringComparer.Ordinal);
        RedisValue Field(string name) => stored.GetValueOrDefault(name);
        long Count(string name) => CountOf(Field(name));
        var failuresInARow = Count(DrainStatsFields.FailuresInARow);
        var lastFailure = Deserialize(Field(DrainStatsFields.LastFailure), StagingJsonContext.Default.DrainFailure);
        var lastProgress = TimeOf(Field(DrainStatsFields.ProgressAt));
        var drainPeriod = (await period).IsNull ? TimeSpan.FromMinutes(1) : TimeSpan.FromMilliseconds((long)(await period));
        return new AggregatorStats(
            keys.Staging!,
            wait.Backlog,
            [.. privateLists.Select(list => new PrivateListStats(list.Name, list.CommittedOffset, list.Remaining, list.TakenOverAt))],
            await dead,
            new DrainTotals(
                Count(DrainStatsFields.Drains), Count(DrainStatsFields.Failed), Count(DrainStatsFields.Elements), Count(DrainStatsFields.Written),
                Count(DrainStatsFields.Skipped), Count(DrainStatsFields.Dead), Count(DrainStatsFields.Lost), Count(DrainStatsFields.DeadDropped)),
            Deserialize(Field(DrainStatsFields.LastDrain), StagingJsonContext.Default.DrainResult),
            Lag(oldest, now),
            draining,
            lastProgress,
            lastFailure,
            failuresInARow,
            Deserialize(Field(DrainStatsFields.LastLoss), StagingJsonContext.Default.PrivateListLoss),
            DrainStall.Reason(wait, stallAfter ?? 3 * drainPeriod, drainPeriod, privateLists, lastProgress, failuresInARow, lastFailure))
        {
            Sinks = Sinks(stored),
        };
    }

    /// <summary>Each sink with fields in the stats hash, by name.</summary>
    private static SinkStats[] Sinks(Dictionary<string, RedisValue> stored)
    {
        var names = stored.Keys
            .Where(field => field.StartsWith(DrainStatsFields.SinkPrefix, StringComparison.Ordinal))
            .Select(field => field[DrainStatsFields.SinkPrefix.Length..field.LastIndexOf(':')])
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        return [.. names.Select(sink =>
        {
            RedisValue Field(string name) => stored.GetValueOrDefault(DrainStatsFields.OfSink(sink, name));
            return new SinkStats(
                sink,
                CountOf(Field(DrainStatsFields.SinkWritten)),
                TimeOf(Field(DrainStatsFields.SinkLastCommit)),
                Deserialize(Field(DrainStatsFields.SinkLastFailure), StagingJsonContext.Default.DrainFailure),
                CountOf(Field(DrainStatsFields.SinkFailuresInARow)));
        })];
    }

    private static long CountOf(RedisValue value) => value.IsNull ? 0 : (long)value;

    /// <summary>A time kept as Unix milliseconds (Redis' clock).</summary>
    private static DateTimeOffset? TimeOf(RedisValue value) => value.IsNull ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)value);

    internal static string Serialize(PrivateListLoss loss) => JsonSerializer.Serialize(loss, StagingJsonContext.Default.PrivateListLoss);

    private static string Serialize(DrainResult drain) => JsonSerializer.Serialize(drain, StagingJsonContext.Default.DrainResult);

    private static string Serialize(DrainFailure failure) => JsonSerializer.Serialize(failure, StagingJsonContext.Default.DrainFailure);

    private static T? Deserialize<T>(RedisValue value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class =>
        value.IsNull ? null : JsonSerializer.Deserialize((string)value!, type);

    // Only elements that carry their own timestamp tell how long they have waited; seed-format ones do not.
    private static TimeSpan? Lag(RedisValue oldest, DateTimeOffset now)
    {
        if (oldest.IsNull)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(((ReadOnlyMemory<byte>)oldest).Span);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isTs = reader.ValueTextEquals("ts"u8);
                reader.Read();
                if (isTs)
                {
                    return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var ms) && ms >= 0 && ms <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
                        ? now - DateTimeOffset.FromUnixTimeMilliseconds(ms)
                        : null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // A malformed element tells no time (the drain makes it a dead letter).
        }

        return null;
    }
}

/// <summary>A staging list's length and, while it holds elements, since when they have waited; <see cref="Now"/> is Redis' clock.</summary>
public readonly record struct StagingWait(long Backlog, DateTimeOffset? Since, DateTimeOffset Now);
