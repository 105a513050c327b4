using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>
/// A staging list's drain schedule as Redis keeps it for every activation: the schedule registered, the usual time
/// between its drains, and the last cron occurrence that started a drain (each claimed once, cluster-wide).
/// </summary>
public sealed class DrainScheduleState(IDatabase redis, StagingKeys keys)
{
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
}
