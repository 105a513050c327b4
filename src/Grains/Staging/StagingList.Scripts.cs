namespace ClickOrleans.Staging;

public sealed partial class StagingList
{
    // KEYS: staging, private list, pending hash, last tick. ARGV: tick id, expiry seconds.
    // Returns {0} when staging does not exist, {1} when taken over, {-1, last tick} when the name was used before.
    // The pending record is written in the same script as the rename: a crash right after leaves a findable orphan.
    private const string TakeOverScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
        local last = tonumber(redis.call('GET', KEYS[4]) or '0')
        local tick = tonumber(ARGV[1])
        if tick <= last then return {-1, last} end
        if redis.call('RENAMENX', KEYS[1], KEYS[2]) == 0 then return {-1, tick} end
        redis.call('SET', KEYS[4], ARGV[1])
        redis.call('EXPIRE', KEYS[2], ARGV[2])
        redis.call('HSET', KEYS[3], KEYS[2], 0)
        return {1}
        """;

    // KEYS: private list, pending hash, dead list. ARGV: expected offset, count, dead letters...
    // Returns 0 when the committed offset is not the expected one (another drain got there first).
    private const string CommitScript = """
        local offset = redis.call('HGET', KEYS[2], KEYS[1])
        if offset ~= ARGV[1] then return 0 end
        redis.call('LTRIM', KEYS[1], 0, -1 - tonumber(ARGV[2]))
        redis.call('HINCRBY', KEYS[2], KEYS[1], ARGV[2])
        for i = 3, #ARGV do redis.call('LPUSH', KEYS[3], ARGV[i]) end
        return 1
        """;
}
