using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>The dead-letter list of one staging list: what no drain could write, for an operator to read, replay or purge.</summary>
public sealed class DeadLetters(IDatabase redis, StagingKeys keys)
{
    public Task<long> CountAsync() => redis.ListLengthAsync(keys.Dead);

    /// <summary>Up to <paramref name="limit"/> of the oldest dead letters, oldest first.</summary>
    public async Task<DeadLetter[]> ReadAsync(int limit)
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

    /// <summary>
    /// Moves the elements of up to <paramref name="limit"/> of the oldest dead letters back onto the staging list,
    /// in one transaction with their removal, for after the producer that pushed them was fixed.
    /// </summary>
    /// <exception cref="StagingConflictException">Another replay or purge changed the dead letters meanwhile.</exception>
    public async Task<int> ReplayAsync(int limit)
    {
        if (limit <= 0)
        {
            return 0;
        }

        var newestFirst = await redis.ListRangeAsync(keys.Dead, -limit, -1);
        if (newestFirst.Length == 0)
        {
            return 0;
        }

        var oldestFirst = new RedisValue[newestFirst.Length];
        for (var i = 0; i < oldestFirst.Length; i++)
        {
            oldestFirst[i] = DeadLetter.Read(newestFirst[^(i + 1)]).ElementValue;
        }

        var transaction = redis.CreateTransaction();
        transaction.AddCondition(Condition.ListIndexEqual(keys.Dead, -1, newestFirst[^1]));
        transaction.AddCondition(Condition.ListLengthGreaterThan(keys.Dead, newestFirst.Length - 1));
        _ = transaction.ListLeftPushAsync(keys.Staging, oldestFirst);
        _ = transaction.ListTrimAsync(keys.Dead, 0, -1 - newestFirst.Length);
        if (!await transaction.ExecuteAsync())
        {
            throw new StagingConflictException("The dead letters changed during the replay; nothing was moved. Try again.");
        }

        return newestFirst.Length;
    }

    /// <summary>Deletes every dead letter; returns how many there were.</summary>
    public async Task<long> PurgeAsync()
    {
        var transaction = redis.CreateTransaction();
        var count = transaction.ListLengthAsync(keys.Dead);
        _ = transaction.KeyDeleteAsync(keys.Dead);
        await transaction.ExecuteAsync();
        return await count;
    }
}
