using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>
/// How far the elements accepted on one staging list are committed, in Redis' clock. An element is accepted when its
/// LPUSH returns, so every element accepted before a take-over is in that take-over's private list or an older one; a
/// private list leaves the registry only once each of its elements is committed to the sink or dead-lettered. Hence:
/// with private lists pending, everything accepted before the take-over that preceded each of them is committed (they
/// may finish in any order, so the earliest of those); with none pending, everything accepted before the last
/// take-over; and with the staging list empty too, everything accepted before now.
/// </summary>
public sealed class StagingWatermark(IDatabase redis, StagingKeys keys)
{
    // KEYS[1] staging list, KEYS[2] private lists, KEYS[3] private list info, KEYS[4] stats.
    // Returns {committed to, now}, Redis' clock (ms). One script: the staging list, the registry and the clock are read
    // at one instant, so no take-over falls between them. A list taken over by a release that did not keep the take-over
    // before it counts from 0: nothing is claimed that is not known.
    private static readonly FlaggedScript Script = new("no-writes", """
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local pending = redis.call('HKEYS', KEYS[2])
        if #pending == 0 then
          if redis.call('LLEN', KEYS[1]) == 0 then return {now, now} end
          return {tonumber(redis.call('HGET', KEYS[4], 'taken-over-at') or '0'), now}
        end
        local committed = now
        for _, list in ipairs(pending) do
          local parts = {}
          for part in string.gmatch(redis.call('HGET', KEYS[3], list) or '', '%S+') do parts[#parts + 1] = part end
          committed = math.min(committed, tonumber(parts[7] or '0'))
        end
        return {committed, now}
        """);

    public async Task<ShardWatermark> ReadAsync()
    {
        var result = (long[])(await Script.EvaluateAsync(redis, [keys.Staging, keys.PrivateLists, keys.PrivateListInfo, keys.Stats], []))!;
        return new ShardWatermark(keys.Staging!, DateTimeOffset.FromUnixTimeMilliseconds(result[0]), DateTimeOffset.FromUnixTimeMilliseconds(result[1]));
    }

    /// <summary>
    /// The stream's watermark from its shards': committed up to the earliest of theirs, as of the latest of their clocks,
    /// so that a client that waits until <see cref="StreamWatermark.CommittedTo"/> passes an earlier answer's
    /// <see cref="StreamWatermark.AsOf"/> has everything it had accepted then committed, whatever the shards' clocks.
    /// </summary>
    public static async Task<StreamWatermark> ReadAsync(IDatabase redis, string stream, StagingStream staging)
    {
        var shards = await Task.WhenAll(staging.Shards.Select(shard => new StagingWatermark(redis, shard).ReadAsync()));
        return new StreamWatermark(stream, shards.Min(shard => shard.CommittedTo), shards.Max(shard => shard.AsOf), shards);
    }
}
