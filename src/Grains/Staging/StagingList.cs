using System.Globalization;
using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>The producers' side of a staging list: push clicks, and how long it is.</summary>
public sealed class StagingList(IDatabase redis, StagingKeys keys)
{
    // KEYS[1] staging list, KEYS[2...] the client-id markers of the elements that carry a client-given id, in order.
    // ARGV[1] the idempotency window (ms), ARGV[2] one character per element, '1' where it carries a client-given id,
    // ARGV[3...] the elements, oldest first. An element whose marker exists is a retry within the window: not pushed.
    // Marks and pushes in one script: a click can be neither marked without being staged nor staged twice.
    // Returns the staging list's length after the push.
    private const string PushOnceScript = """
        local unpack = unpack or table.unpack
        local flags, key, pushed, length = ARGV[2], 2, {}, 0
        for i = 3, #ARGV do
          if string.sub(flags, i - 2, i - 2) == '0' then
            pushed[#pushed + 1] = ARGV[i]
          else
            if redis.call('SET', KEYS[key], '1', 'NX', 'PX', ARGV[1]) then pushed[#pushed + 1] = ARGV[i] end
            key = key + 1
          end
        end
        for i = 1, #pushed, 1000 do
          length = redis.call('LPUSH', KEYS[1], unpack(pushed, i, math.min(i + 999, #pushed)))
        end
        if #pushed == 0 then length = redis.call('LLEN', KEYS[1]) end
        return length
        """;

    public StagingKeys Keys => keys;

    /// <summary>Stages elements with one LPUSH (all or nothing); returns the staging list's length after the push.</summary>
    public Task<long> PushAsync(RedisValue[] elements) => redis.ListLeftPushAsync(keys.Staging, elements);

    /// <summary>
    /// Stages elements in one script (all or nothing), leaving out those whose client-given id was staged within
    /// <paramref name="window"/>; returns the staging list's length after the push.
    /// </summary>
    /// <param name="clientIds">Per element, its client-given id, or null for an id the Api made (never a retry).</param>
    public async Task<long> PushOnceAsync(RedisValue[] elements, string?[] clientIds, TimeSpan window)
    {
        var markers = new List<RedisKey>(clientIds.Length + 1) { keys.Staging };
        var flags = new char[clientIds.Length];
        for (var i = 0; i < clientIds.Length; i++)
        {
            flags[i] = clientIds[i] is null ? '0' : '1';
            if (clientIds[i] is { } id)
            {
                markers.Add(keys.ClientId(id));
            }
        }

        var args = new RedisValue[elements.Length + 2];
        args[0] = ((long)window.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        args[1] = new string(flags);
        elements.CopyTo(args, 2);
        return (long)await redis.ScriptEvaluateAsync(PushOnceScript, [.. markers], args);
    }

    /// <summary>The staging list's length: its backlog.</summary>
    public Task<long> LengthAsync() => redis.ListLengthAsync(keys.Staging);
}
