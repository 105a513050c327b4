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
        ["drains", "failed", "elements", "written", "skipped", "dead", "lost", "last-drain", "last-failure", "failures-in-a-row", "last-loss", "progress-at"];

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

    // KEYS[1] the last fired occurrence. ARGV[1] the occurrence (Unix ms). Returns 1 when it is later, and records it.
    private const string ClaimOccurrenceScript = """
        if tonumber(ARGV[1]) <= tonumber(redis.call('GET', KEYS[1]) or '0') then return 0 end
        redis.call('SET', KEYS[1], ARGV[1])
        return 1
        """;

    /// <summary>The drain schedule last registered for this staging list, if any.</summary>
    public async Task<string?> GetScheduleAsync() => await redis.StringGetAsync(keys.Schedule);

    /// <summary>Records the schedule registered, and the usual time between its drains.</summary>
    public Task SetScheduleAsync(string schedule, TimeSpan interval) =>
        redis.StringSetAsync([new(keys.Schedule, schedule), new(keys.SchedulePeriod, (long)interval.TotalMilliseconds)]);

    /// <summary>The last occurrence of the cron schedule that started a drain.</summary>
    public async Task<DateTimeOffset?> LastOccurrenceAsync() =>
        await redis.StringGetAsync(keys.ScheduleFired) is { IsNull: false } value ? DateTimeOffset.FromUnixTimeMilliseconds((long)value) : null;

    /// <summary>Claims an occurrence for the drain that starts now: false when it, or a later one, was claimed before.</summary>
    public async Task<bool> ClaimOccurrenceAsync(DateTimeOffset occurrence) =>
        (long)await redis.ScriptEvaluateAsync(ClaimOccurrenceScript, [keys.ScheduleFired], [occurrence.ToUnixTimeMilliseconds()]) == 1;

    /// <summary>Backlog, private lists, dead letters, totals, lag and whether the drain is stalled, in one round trip.</summary>
    /// <param name="stallAfter">See <c>Clicks:StallAfter</c>; null: three drain periods.</param>
    public async Task<AggregatorStats> ReadAsync(DateTimeOffset now, bool draining, TimeSpan? stallAfter)
    {
        var lists = new PrivateLists(redis, keys);
        var batch = redis.CreateBatch();
        var backlog = batch.ListLengthAsync(keys.Staging);
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
            await backlog,
            [.. privateLists.Select(list => new PrivateListStats(list.Name, list.CommittedOffset, list.Remaining, list.TakenOverAt))],
            await dead,
            new DrainTotals(Long(f[0]), Long(f[1]), Long(f[2]), Long(f[3]), Long(f[4]), Long(f[5]), Long(f[6])),
            Deserialize(f[7], StagingJsonContext.Default.DrainResult),
            Lag(oldest, now),
            draining,
            lastProgress,
            lastFailure,
            failuresInARow,
            Deserialize(f[10], StagingJsonContext.Default.PrivateListLoss),
            DrainStall.Reason(now, stallAfter ?? 3 * drainPeriod, drainPeriod, privateLists, lastProgress, failuresInARow, lastFailure));
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
