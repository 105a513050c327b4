using System.Globalization;
using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>The producers' side of a staging list: push clicks, and how long it is.</summary>
public sealed class StagingList(IDatabase redis, StagingKeys keys)
{
    // KEYS[1] staging list, KEYS[2] elements left in private lists, KEYS[3] client-id counts, KEYS[4...] the client-id
    // markers of the elements that carry a client-given id, in order.
    // ARGV[1] the idempotency window (ms), ARGV[2] the backlog limit (0: none), ARGV[3] the client-id limit (0: none),
    // ARGV[4] one character per element, '1' where it carries a client-given id, ARGV[5...] the elements, oldest first.
    // Refuses the whole push when it would take the backlog (staging list + private lists) past the limit. An element
    // whose marker exists is a retry within the window: not pushed, but its marker is written again as it is (KEEPTTL),
    // so that a WAIT after this script also covers the original push, which came before it in the replication stream.
    // New markers are counted per sixteenth of the window (Redis' clock; counts older than the window are dropped); a
    // push whose new markers would take the count past the client-id limit removes them again and is refused whole.
    // Checks, marks and pushes in one script: a click can be neither marked without being staged nor staged twice, and
    // a refused push stages nothing.
    // Returns {length after the push}, {-1, backlog} or {-2, client ids held, ms until the oldest count expires}.
    private const string PushScript = """
        local unpack = unpack or table.unpack
        local limit = tonumber(ARGV[2])
        if limit > 0 then
          local backlog = redis.call('LLEN', KEYS[1]) + tonumber(redis.call('GET', KEYS[2]) or '0')
          if backlog + #ARGV - 4 > limit then return {-1, backlog} end
        end
        local flags, key, pushed, marked, length = ARGV[4], 4, {}, {}, 0
        for i = 5, #ARGV do
          if string.sub(flags, i - 4, i - 4) == '0' then
            pushed[#pushed + 1] = ARGV[i]
          else
            if redis.call('SET', KEYS[key], '1', 'NX', 'PX', ARGV[1]) then
              pushed[#pushed + 1] = ARGV[i]
              marked[#marked + 1] = KEYS[key]
            else
              redis.call('SET', KEYS[key], '1', 'XX', 'KEEPTTL')
            end
            key = key + 1
          end
        end
        local maxIds = tonumber(ARGV[3])
        if maxIds > 0 and #marked > 0 then
          local window = tonumber(ARGV[1])
          local sixteenth = math.max(1000, math.floor(window / 16))
          local time = redis.call('TIME')
          local current = math.floor((tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)) / sixteenth)
          local oldest = current - math.ceil(window / sixteenth)
          local counts, held, first = redis.call('HGETALL', KEYS[3]), 0, current
          for i = 1, #counts, 2 do
            local bucket = tonumber(counts[i])
            if bucket < oldest then
              redis.call('HDEL', KEYS[3], counts[i])
            else
              held = held + tonumber(counts[i + 1])
              first = math.min(first, bucket)
            end
          end
          if held + #marked > maxIds then
            for i = 1, #marked, 1000 do redis.call('DEL', unpack(marked, i, math.min(i + 999, #marked))) end
            local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
            return {-2, held, (first + current - oldest + 1) * sixteenth - now}
          end
          redis.call('HINCRBY', KEYS[3], current, #marked)
          redis.call('PEXPIRE', KEYS[3], window + 2 * sixteenth)
        end
        for i = 1, #pushed, 1000 do
          length = redis.call('LPUSH', KEYS[1], unpack(pushed, i, math.min(i + 999, #pushed)))
        end
        if #pushed == 0 then length = redis.call('LLEN', KEYS[1]) end
        return {length}
        """;

    public StagingKeys Keys => keys;

    /// <summary>Stages elements with one LPUSH (all or nothing); returns the staging list's length after the push.</summary>
    public Task<long> PushAsync(RedisValue[] elements) => redis.ListLeftPushAsync(keys.Staging, elements);

    /// <summary>
    /// Stages elements in one script (all or nothing): refused whole when the backlog would pass
    /// <see cref="StagingLimits.MaxBacklog"/> or the new client ids <see cref="StagingLimits.MaxClientIds"/>, and without
    /// those whose client-given id was staged within <see cref="StagingLimits.IdempotencyWindow"/>; returns the staging
    /// list's length after the push.
    /// </summary>
    /// <param name="clientIds">Per element, its client-given id, or null for an id the Api made (never a retry); null: none.</param>
    /// <exception cref="BacklogFullException">The push would take the backlog past its limit; nothing was staged.</exception>
    /// <exception cref="ClientIdsFullException">The push would take the client ids past their limit; nothing was staged.</exception>
    public async Task<long> PushCheckedAsync(RedisValue[] elements, string?[]? clientIds, StagingLimits limits)
    {
        var markers = new List<RedisKey> { keys.Staging, keys.PrivateListsRemaining, keys.ClientIdCounts };
        var flags = new char[elements.Length];
        for (var i = 0; i < elements.Length; i++)
        {
            flags[i] = clientIds?[i] is null ? '0' : '1';
            if (clientIds?[i] is { } id)
            {
                markers.Add(keys.ClientId(id));
            }
        }

        var args = new RedisValue[elements.Length + 4];
        args[0] = ((long)limits.IdempotencyWindow.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        args[1] = limits.MaxBacklog;
        args[2] = limits.MaxClientIds;
        args[3] = new string(flags);
        elements.CopyTo(args, 4);
        var result = (long[])(await redis.ScriptEvaluateAsync(PushScript, [.. markers], args))!;
        return result[0] switch
        {
            >= 0 => result[0],
            -1 => throw new BacklogFullException((string)keys.Staging!, result[1], limits.MaxBacklog),
            _ => throw new ClientIdsFullException((string)keys.Staging!, result[1], limits, TimeSpan.FromMilliseconds(result[2])),
        };
    }
}

/// <summary>What a checked push is held to: <c>Clicks:IdempotencyWindow</c>, <c>Clicks:MaxBacklog</c> and <c>Clicks:MaxClientIds</c> (0: no limit).</summary>
public sealed record StagingLimits(TimeSpan IdempotencyWindow, long MaxBacklog, long MaxClientIds);

/// <summary>A push would have taken a staging list's backlog past <c>Clicks:MaxBacklog</c>: nothing was staged.</summary>
public sealed class BacklogFullException(string stagingKey, long backlog, long limit)
    : Exception($"The backlog of {stagingKey} is {backlog} elements waiting to be drained; Clicks:MaxBacklog allows {limit}. Nothing was staged.")
{
    public string StagingKey => stagingKey;
}

/// <summary>
/// A push's new client ids would have taken a shard's markers past <c>Clicks:MaxClientIds</c>: nothing was staged.
/// </summary>
/// <param name="until">When the oldest sixteenth of the window's markers stops counting, so that new ids fit again.</param>
public sealed class ClientIdsFullException(string stagingKey, long held, StagingLimits limits, TimeSpan until)
    : Exception($"{stagingKey} holds {held} client ids staged within Clicks:IdempotencyWindow ({limits.IdempotencyWindow}); Clicks:MaxClientIds allows {limits.MaxClientIds}. Nothing was staged.")
{
    public TimeSpan Until => until;
}
