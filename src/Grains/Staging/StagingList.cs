using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>
/// A staging list in Redis and the private lists its drains take over: every Redis command of the pipeline.
/// </summary>
/// <remarks>
/// A private list is drained from its tail (its oldest element) in chunks. A chunk is trimmed off the list in the
/// same script that advances the committed offset, so Redis memory shrinks as the drain goes on and the position of
/// every element (offset + index) stays stable for a replay.
/// </remarks>
public sealed partial class StagingList(IDatabase redis, StagingKeys keys)
{
    /// <summary>How long a private list outlives a drain that never finishes: a last-resort bound, never the normal path.</summary>
    public static readonly TimeSpan PrivateListExpiry = TimeSpan.FromDays(7);

    public StagingKeys Keys => keys;

    /// <summary>Stages elements with one LPUSH (all or nothing); returns the staging list's length after the push.</summary>
    public Task<long> PushAsync(RedisValue[] elements) => redis.ListLeftPushAsync(keys.Staging, elements);

    /// <summary>The private lists left by drains that did not finish, oldest first, with their committed offsets.</summary>
    public async Task<IReadOnlyList<PendingList>> PendingAsync()
    {
        var entries = await redis.HashGetAllAsync(keys.Pending);
        var pending = new List<PendingList>(entries.Length);
        foreach (var entry in entries)
        {
            pending.Add(new PendingList(entry.Name!, (long)entry.Value));
        }

        pending.Sort(static (a, b) => a.Name.Length != b.Name.Length
            ? a.Name.Length.CompareTo(b.Name.Length)
            : string.CompareOrdinal(a.Name, b.Name));
        return pending;
    }

    /// <summary>
    /// Atomically renames the staging list to a new private list named after <paramref name="tickId"/> and records it
    /// as pending; returns null when the staging list does not exist (nothing arrived since the last drain).
    /// </summary>
    /// <remarks>A tick id that was used before is replaced by the next unused one, so a private list name is never reused.</remarks>
    public async Task<PendingList?> TakeOverAsync(long tickId)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var privateList = keys.PrivateList(tickId);
            var result = (long[])(await redis.ScriptEvaluateAsync(
                TakeOverScript,
                [keys.Staging, privateList, keys.Pending, keys.LastTick],
                [tickId, (long)PrivateListExpiry.TotalSeconds]))!;
            switch (result[0])
            {
                case 0:
                    return null;
                case 1:
                    return new PendingList(privateList!, 0);
                default:
                    tickId = Math.Max(tickId, result[1]) + 1;
                    break;
            }
        }

        throw new StagingConflictException($"Could not find an unused private list name for '{keys.Staging}'.");
    }

    /// <summary>Reads up to <paramref name="count"/> of the oldest elements of a private list; newest first, as LRANGE returns them.</summary>
    public Task<RedisValue[]> ReadOldestAsync(string privateList, int count) =>
        redis.ListRangeAsync(privateList, -count, -1);

    /// <summary>
    /// Records that the <paramref name="count"/> oldest elements of a private list are in the sink: trims them off,
    /// advances the committed offset and appends the dead letters, in one script.
    /// </summary>
    /// <exception cref="StagingConflictException">Another drain committed this private list in the meantime.</exception>
    public async Task CommitAsync(string privateList, long offset, int count, RedisValue[] deadLetters)
    {
        var args = new RedisValue[deadLetters.Length + 2];
        args[0] = offset;
        args[1] = count;
        deadLetters.CopyTo(args, 2);
        var committed = (long)await redis.ScriptEvaluateAsync(
            CommitScript, [privateList, keys.Pending, keys.Dead], args);
        if (committed == 0)
        {
            throw new StagingConflictException(
                $"The committed offset of '{privateList}' is no longer {offset}: another drain is working on it.");
        }
    }

    /// <summary>The drain period last registered for this staging list, if any.</summary>
    public async Task<TimeSpan?> GetSchedulePeriodAsync()
    {
        var value = await redis.StringGetAsync(keys.SchedulePeriod);
        return value.IsNull ? null : TimeSpan.FromMilliseconds((long)value);
    }

    public Task SetSchedulePeriodAsync(TimeSpan period) =>
        redis.StringSetAsync(keys.SchedulePeriod, (long)period.TotalMilliseconds);

    /// <summary>Forgets a fully drained private list.</summary>
    public async Task CompleteAsync(string privateList)
    {
        var transaction = redis.CreateTransaction();
        _ = transaction.KeyDeleteAsync(privateList);
        _ = transaction.HashDeleteAsync(keys.Pending, privateList);
        await transaction.ExecuteAsync();
    }
}

/// <summary>A private list awaiting its drain, and how many of its oldest elements are already committed.</summary>
public readonly record struct PendingList(string Name, long Offset);
