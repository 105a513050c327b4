using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>
/// Moves the bookkeeping of releases before the hash-tagged key layout (<c>&lt;staging&gt;-pending</c>,
/// <c>-dead</c>, <c>-last-tick</c>, <c>-drain-period</c>, <c>-stats</c> and private lists named
/// <c>&lt;prefix&gt;-&lt;tick&gt;</c>) to today's keys, so that an upgrade finishes the private lists an older silo left.
/// </summary>
/// <remarks>
/// Runs when an aggregator activates; costs two EXISTS when there is nothing to move. Those releases never ran on
/// Redis Cluster, so the old keys only exist on a single Redis, where each move is one transaction.
/// </remarks>
public static partial class StagingUpgrade
{
    public static async Task RunAsync(IDatabase redis, StagingKeys keys, int partitions, ILogger logger)
    {
        var staging = (string)keys.Staging!;
        var pending = (RedisKey)(staging + "-pending");
        var dead = (RedisKey)(staging + "-dead");
        // Two single-key calls: the old keys do not share a hash slot.
        if (!await redis.KeyExistsAsync(pending) && !await redis.KeyExistsAsync(dead))
        {
            return;
        }

        foreach (var entry in await redis.HashGetAllAsync(pending))
        {
            var oldName = (string)entry.Name!;
            var committed = (long)entry.Value;
            var tick = long.TryParse(oldName[(oldName.LastIndexOf('-') + 1)..], out var parsed) ? parsed : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var newName = keys.PrivateList(tick);
            var remaining = await redis.ListLengthAsync(oldName);
            var list = new PrivateList(newName!, committed, tick, committed + remaining, partitions);
            var move = redis.CreateTransaction();
            if (remaining > 0)
            {
                _ = move.KeyRenameAsync(oldName, newName);
            }

            _ = move.HashSetAsync(keys.PrivateLists, newName.ToString(), committed, When.NotExists);
            _ = move.HashSetAsync(keys.PrivateListInfo, newName.ToString(), list.Info, When.NotExists);
            _ = move.HashDeleteAsync(pending, oldName);
            _ = move.StringIncrementAsync(keys.PrivateListsRemaining, remaining);
            await move.ExecuteAsync();
            LogMovedPrivateList(logger, oldName, newName!, remaining);
        }

        await MoveAsync(redis, staging + "-last-tick", keys.LastTick);
        await MoveAsync(redis, staging + "-drain-period", keys.SchedulePeriod);
        await MoveAsync(redis, staging + "-stats", keys.Stats);
        var letters = await redis.ListRangeAsync(dead);
        if (letters.Length > 0)
        {
            // Older than every dead letter of today's list: they go to its tail, oldest last.
            var move = redis.CreateTransaction();
            _ = move.ListRightPushAsync(keys.Dead, letters);
            _ = move.KeyDeleteAsync(dead);
            await move.ExecuteAsync();
            LogMovedDeadLetters(logger, letters.Length, keys.Dead!);
        }
    }

    private static async Task MoveAsync(IDatabase redis, RedisKey from, RedisKey to)
    {
        if (await redis.KeyExistsAsync(from) && !await redis.KeyRenameAsync(from, to, When.NotExists))
        {
            await redis.KeyDeleteAsync(from);
        }
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning,
        Message = "Upgrade: private list {OldName} of an older release is now {NewName} ({Remaining} elements left to drain)")]
    private static partial void LogMovedPrivateList(ILogger logger, string oldName, string newName, long remaining);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning,
        Message = "Upgrade: {Count} dead letters of an older release moved to {DeadLetters}")]
    private static partial void LogMovedDeadLetters(ILogger logger, int count, string deadLetters);
}
