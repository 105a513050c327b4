using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>
/// The dead-letter list of one staging list: what no drain could write, for an operator to read, replay or purge.
/// Redis out of reach is a <see cref="StagingUnavailableException"/>.
/// </summary>
public sealed class DeadLetters(IDatabase redis, StagingKeys keys)
{
    public Task<long> CountAsync() => StagingFailures.TranslateAsync(() => redis.ListLengthAsync(keys.Dead));

    /// <summary>Up to <paramref name="limit"/> of the oldest dead letters, oldest first.</summary>
    public Task<DeadLetter[]> ReadAsync(int limit) => StagingFailures.TranslateAsync(() => ReadOldestAsync(limit));

    /// <summary>
    /// Moves the elements of up to <paramref name="limit"/> of the oldest dead letters back onto the staging list, as many
    /// as <paramref name="maxBacklog"/> leaves room for, in one script with their removal, for after the producer that
    /// pushed them was fixed.
    /// </summary>
    /// <param name="maxBacklog"><c>Clicks:MaxBacklog</c>: a replay stages no more than ingest may; 0: no limit.</param>
    public Task<DeadLetterReplay> ReplayAsync(int limit, long maxBacklog) => StagingFailures.TranslateAsync(() => ReplayOldestAsync(limit, maxBacklog));

    /// <summary>Deletes every dead letter; returns how many there were.</summary>
    public Task<long> PurgeAsync() => StagingFailures.TranslateAsync(PurgeAllAsync);

    private async Task<DeadLetter[]> ReadOldestAsync(int limit)
    {
        if (limit <= 0)
        {
            return [];
        }

        var newestFirst = await redis.ListRangeAsync(keys.Dead, -limit, -1);
        var letters = new DeadLetter[newestFirst.Length];
        for (var i = 0; i < letters.Length; i++)
        {
            letters[i] = DeadLetter.Read(newestFirst[^(i + 1)]);
        }

        return letters;
    }

    // KEYS[1] dead-letter list, KEYS[2] staging list, KEYS[3] elements left in private lists.
    // ARGV[1] the oldest dead letter as read (index -1), ARGV[2] the backlog limit (0: none), ARGV[3...] the elements of
    // the oldest dead letters, oldest first. Returns the count moved, -1 when the dead letters changed since they were
    // read, -2 when the push would take the backlog past the limit (nothing moved).
    // The push and the removal are one script: a letter is never both replayed and kept, nor lost between them.
    private static readonly FlaggedScript ReplayScript = new("allow-oom", """
        local unpack = unpack or table.unpack
        local count = #ARGV - 2
        if redis.call('LINDEX', KEYS[1], -1) ~= ARGV[1] or redis.call('LLEN', KEYS[1]) < count then return -1 end
        local limit = tonumber(ARGV[2])
        if limit > 0 and redis.call('LLEN', KEYS[2]) + tonumber(redis.call('GET', KEYS[3]) or '0') + count > limit then return -2 end
        for i = 3, #ARGV, 1000 do redis.call('LPUSH', KEYS[2], unpack(ARGV, i, math.min(i + 999, #ARGV))) end
        redis.call('LTRIM', KEYS[1], 0, -1 - count)
        return count
        """);

    private async Task<DeadLetterReplay> ReplayOldestAsync(int limit, long maxBacklog)
    {
        var room = limit;
        if (maxBacklog > 0)
        {
            var batch = redis.CreateBatch();
            var staged = batch.ListLengthAsync(keys.Staging);
            var inPrivateLists = batch.StringGetAsync(keys.PrivateListsRemaining);
            batch.Execute();
            room = (int)Math.Clamp(maxBacklog - await staged - (long)(await inPrivateLists is { IsNull: false } v ? (long)v : 0), 0, limit);
        }

        var newestFirst = room > 0 ? await redis.ListRangeAsync(keys.Dead, -room, -1) : [];
        var left = await redis.ListLengthAsync(keys.Dead);
        if (newestFirst.Length == 0)
        {
            return room == 0 && left > 0 ? BacklogFull(left, maxBacklog) : new DeadLetterReplay(keys.Staging!, 0, left, null);
        }

        var args = new RedisValue[newestFirst.Length + 2];
        args[0] = newestFirst[^1];
        args[1] = maxBacklog;
        for (var i = 0; i < newestFirst.Length; i++)
        {
            args[i + 2] = DeadLetter.Read(newestFirst[^(i + 1)]).ElementValue;
        }

        var moved = (long)await ReplayScript.EvaluateAsync(redis, [keys.Dead, keys.Staging, keys.PrivateListsRemaining], args);
        return moved switch
        {
            -1 => new DeadLetterReplay(keys.Staging!, 0, left, "the dead letters changed during the replay; nothing of this shard was moved, try again"),
            -2 => BacklogFull(left, maxBacklog),
            _ => new DeadLetterReplay(keys.Staging!, (int)moved, left - moved, null),
        };
    }

    private DeadLetterReplay BacklogFull(long left, long maxBacklog) =>
        new(keys.Staging!, 0, left, $"the backlog of {keys.Staging} leaves no room under Clicks:MaxBacklog ({maxBacklog}); nothing of this shard was moved, retry after the next drain", BacklogFull: true);

    private async Task<long> PurgeAllAsync()
    {
        var transaction = redis.CreateTransaction();
        var count = transaction.ListLengthAsync(keys.Dead);
        _ = transaction.KeyDeleteAsync(keys.Dead);
        await transaction.ExecuteAsync();
        return await count;
    }
}

/// <summary>What a replay did on one shard: how many dead letters went back to staging, how many are left, and why it moved none.</summary>
/// <param name="BacklogFull">Whether <paramref name="Refused"/> is the backlog limit (rather than letters that changed meanwhile).</param>
public sealed record DeadLetterReplay(string StagingKey, int Replayed, long Left, string? Refused, bool BacklogFull = false);
