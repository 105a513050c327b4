using System.Globalization;
using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>The producers' side of a staging list: push clicks, and how long it is.</summary>
public sealed class StagingList(IDatabase redis, StagingKeys keys)
{
    // KEYS[1] staging list, KEYS[2] elements left in private lists, KEYS[3...] the client-id markers of the elements
    // that carry a client-given id, in order.
    // ARGV[1] the idempotency window (ms), ARGV[2] the backlog limit (0: none), ARGV[3] one character per element, '1'
    // where it carries a client-given id, ARGV[4...] the elements, oldest first.
    // Refuses the whole push when it would take the backlog (staging list + private lists) past the limit. An element
    // whose marker exists is a retry within the window: not pushed, but its marker is written again as it is (KEEPTTL),
    // so that a WAIT after this script also covers the original push, which came before it in the replication stream.
    // Checks, marks and pushes in one script: a click can be neither marked without being staged nor staged twice, and
    // a refused push stages nothing.
    // Returns {length after the push} or {-1, backlog}.
    private const string PushScript = """
        local unpack = unpack or table.unpack
        local limit = tonumber(ARGV[2])
        if limit > 0 then
          local backlog = redis.call('LLEN', KEYS[1]) + tonumber(redis.call('GET', KEYS[2]) or '0')
          if backlog + #ARGV - 3 > limit then return {-1, backlog} end
        end
        local flags, key, pushed, length = ARGV[3], 3, {}, 0
        for i = 4, #ARGV do
          if string.sub(flags, i - 3, i - 3) == '0' then
            pushed[#pushed + 1] = ARGV[i]
          else
            if redis.call('SET', KEYS[key], '1', 'NX', 'PX', ARGV[1]) then
              pushed[#pushed + 1] = ARGV[i]
            else
              redis.call('SET', KEYS[key], '1', 'XX', 'KEEPTTL')
            end
            key = key + 1
          end
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
    /// <paramref name="maxBacklog"/>, and without those whose client-given id was staged within
    /// <paramref name="window"/>; returns the staging list's length after the push.
    /// </summary>
    /// <param name="clientIds">Per element, its client-given id, or null for an id the Api made (never a retry); null: none.</param>
    /// <param name="maxBacklog">The most elements that may wait in the staging and private lists; 0: no limit.</param>
    /// <exception cref="BacklogFullException">The push would take the backlog past <paramref name="maxBacklog"/>; nothing was staged.</exception>
    public async Task<long> PushCheckedAsync(RedisValue[] elements, string?[]? clientIds, TimeSpan window, long maxBacklog)
    {
        var markers = new List<RedisKey> { keys.Staging, keys.PrivateListsRemaining };
        var flags = new char[elements.Length];
        for (var i = 0; i < elements.Length; i++)
        {
            flags[i] = clientIds?[i] is null ? '0' : '1';
            if (clientIds?[i] is { } id)
            {
                markers.Add(keys.ClientId(id));
            }
        }

        var args = new RedisValue[elements.Length + 3];
        args[0] = ((long)window.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        args[1] = maxBacklog;
        args[2] = new string(flags);
        elements.CopyTo(args, 3);
        var result = (long[])(await redis.ScriptEvaluateAsync(PushScript, [.. markers], args))!;
        return result[0] >= 0 ? result[0] : throw new BacklogFullException((string)keys.Staging!, result[1], maxBacklog);
    }
}

/// <summary>A push would have taken a staging list's backlog past <c>Clicks:MaxBacklog</c>: nothing was staged.</summary>
public sealed class BacklogFullException(string stagingKey, long backlog, long limit)
    : Exception($"The backlog of {stagingKey} is {backlog} elements waiting to be drained; Clicks:MaxBacklog allows {limit}. Nothing was staged.")
{
    public string StagingKey => stagingKey;
}
