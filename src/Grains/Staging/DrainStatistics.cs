using System.Text.Json;
using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>
/// The drain figures of one staging list, kept in Redis so they outlive activations and any host can read them:
/// totals (recorded chunk by chunk by the commit script), the last drain, the last failure, the last progress.
/// </summary>
public sealed class DrainStatistics(IDatabase redis, StagingKeys keys)
{
    private static readonly RedisValue[] Fields =
        ["drains", "failed", "elements", "written", "skipped", "dead", "lost", "last-drain", "last-failure", "failures-in-a-row", "last-loss", "progress-at", "dead-dropped"];

    /// <summary>A drain completed: count it, keep it as the last drain, and end a run of failures.</summary>
    public async Task RecordCompletedAsync(DrainResult drain)
    {
        var transaction = redis.CreateTransaction();
        _ = transaction.HashIncrementAsync(keys.Stats, "drains");
        _ = transaction.HashSetAsync(keys.Stats, [new("last-drain", Serialize(drain)), new("failures-in-a-row", 0)]);
        await transaction.ExecuteAsync();
    }

    /// <summary>A drain failed: count it, in a row too, and keep why.</summary>
    public async Task RecordFailedAsync(DrainFailure failure)
    {
        var transaction = redis.CreateTransaction();
        _ = transaction.HashIncrementAsync(keys.Stats, "failed");
        _ = transaction.HashIncrementAsync(keys.Stats, "failures-in-a-row");
        _ = transaction.HashSetAsync(keys.Stats, "last-failure", Serialize(failure));
        await transaction.ExecuteAsync();
    }

    // KEYS[1] the last fired occurrence. ARGV[1] the occurrence (Unix ms), ARGV[2] how far ahead of Redis' clock it may be (ms).
    // Returns 1 when it is later than the last and not ahead of Redis' clock by more than ARGV[2], and records it; else 0.
    // A silo whose clock jumped ahead must not claim a future occurrence: every real one until then would be refused.
    private const string ClaimOccurrenceScript = """
        local time = redis.call('TIME')
        if tonumber(ARGV[1]) > tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(ARGV[2]) then return 0 end
        if tonumber(ARGV[1]) <= tonumber(redis.call('GET', KEYS[1]) or '0') then return 0 end
        redis.call('SET', KEYS[1], ARGV[1])
        return 1
        """;

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

    /// <summary>The drain schedule last registered for this staging list, if any.</summary>
    public async Task<string?> GetScheduleAsync() => await redis.StringGetAsync(keys.Schedule);

    /// <summary>Records the schedule registered, and the usual time between its drains.</summary>
    public Task SetScheduleAsync(string schedule, TimeSpan interval) =>
        redis.StringSetAsync([new(keys.Schedule, schedule), new(keys.SchedulePeriod, (long)interval.TotalMilliseconds)]);

    /// <summary>The last occurrence of the cron schedule that started a drain.</summary>
    public async Task<DateTimeOffset?> LastOccurrenceAsync() =>
        await redis.StringGetAsync(keys.ScheduleFired) is { IsNull: false } value ? DateTimeOffset.FromUnixTimeMilliseconds((long)value) : null;

    /// <summary>
    /// Claims an occurrence for the drain that starts now: false when it, or a later one, was claimed before, or when it
    /// lies more than <paramref name="maxClockSkew"/> ahead of Redis' clock (this silo's clock is ahead).
    /// </summary>
    public async Task<bool> ClaimOccurrenceAsync(DateTimeOffset occurrence, TimeSpan maxClockSkew) =>
        (long)await redis.ScriptEvaluateAsync(
            ClaimOccurrenceScript, [keys.ScheduleFired], [occurrence.ToUnixTimeMilliseconds(), (long)maxClockSkew.TotalMilliseconds]) == 1;

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
        var figures = batch.HashGetAsync(keys.Stats, Fields);
        var period = batch.StringGetAsync(keys.SchedulePeriod);
        var oldestStaged = batch.ListGetByIndexAsync(keys.Staging, -1);
        batch.Execute();
        var privateLists = await lists.AllAsync();
        var oldest = privateLists.Count > 0 ? await redis.ListGetByIndexAsync(privateLists[0].Name, -1) : await oldestStaged;

        var f = await figures;
        var failuresInARow = Long(f[9]);
        var lastFailure = Deserialize(f[8], StagingJsonContext.Default.DrainFailure);
        var lastProgress = f[11].IsNull ? (DateTimeOffset?)null : DateTimeOffset.FromUnixTimeMilliseconds((long)f[11]);
        var drainPeriod = (await period).IsNull ? TimeSpan.FromMinutes(1) : TimeSpan.FromMilliseconds((long)(await period));
        return new AggregatorStats(
            keys.Staging!,
            wait.Backlog,
            [.. privateLists.Select(list => new PrivateListStats(list.Name, list.CommittedOffset, list.Remaining, list.TakenOverAt))],
            await dead,
            new DrainTotals(Long(f[0]), Long(f[1]), Long(f[2]), Long(f[3]), Long(f[4]), Long(f[5]), Long(f[6]), Long(f[12])),
            Deserialize(f[7], StagingJsonContext.Default.DrainResult),
            Lag(oldest, now),
            draining,
            lastProgress,
            lastFailure,
            failuresInARow,
            Deserialize(f[10], StagingJsonContext.Default.PrivateListLoss),
            DrainStall.Reason(wait, stallAfter ?? 3 * drainPeriod, drainPeriod, privateLists, lastProgress, failuresInARow, lastFailure));
    }

    internal static string Serialize(PrivateListLoss loss) => JsonSerializer.Serialize(loss, StagingJsonContext.Default.PrivateListLoss);

    private static string Serialize(DrainResult drain) => JsonSerializer.Serialize(drain, StagingJsonContext.Default.DrainResult);

    private static string Serialize(DrainFailure failure) => JsonSerializer.Serialize(failure, StagingJsonContext.Default.DrainFailure);

    private static long Long(RedisValue value) => value.IsNull ? 0 : (long)value;

    private static T? Deserialize<T>(RedisValue value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class =>
        value.IsNull ? null : JsonSerializer.Deserialize((string)value!, type);

    // Only elements that carry their own timestamp tell how long they have waited; seed-format ones do not.
    private static TimeSpan? Lag(RedisValue oldest, DateTimeOffset now)
    {
        if (oldest.IsNull)
        {
            return null;
        }

        // Without ts the parse fails on the default time given here, the least valid one.
        var noDefaultTime = new ElementContext(0, long.MinValue, long.MaxValue);
        return StagedElement.TryParse(((ReadOnlyMemory<byte>)oldest).Span, noDefaultTime, 0, out var click, out _)
            ? now - DateTimeOffset.FromUnixTimeMilliseconds(click.TimestampMs)
            : null;
    }
}

/// <summary>A staging list's length and, while it holds elements, since when they have waited; <see cref="Now"/> is Redis' clock.</summary>
public readonly record struct StagingWait(long Backlog, DateTimeOffset? Since, DateTimeOffset Now);
