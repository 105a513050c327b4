using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>
/// A Lua script with Redis 7 script flags (<c>#!lua flags=…</c>), such as <c>allow-oom</c> for the drain's scripts,
/// which must run when Redis refuses writes for lack of memory. Servers without script flags (Garnet, the embedded
/// mode's Redis) refuse the shebang: to those the script goes without it, as the first refusal taught.
/// </summary>
internal sealed class FlaggedScript(string flags, string body)
{
    private static readonly ConditionalWeakTable<IConnectionMultiplexer, object> WithoutFlags = [];

    private readonly string _flagged = $"#!lua flags={flags}\n{body}";

    public async Task<RedisResult> EvaluateAsync(IDatabase redis, RedisKey[] keys, RedisValue[] args)
    {
        if (!WithoutFlags.TryGetValue(redis.Multiplexer, out _))
        {
            try
            {
                return await redis.ScriptEvaluateAsync(_flagged, keys, args);
            }
            catch (RedisServerException e) when (e.Message.Contains("Compilation error", StringComparison.Ordinal) && e.Message.Contains("'#'", StringComparison.Ordinal))
            {
                WithoutFlags.AddOrUpdate(redis.Multiplexer, flags);
            }
        }

        return await redis.ScriptEvaluateAsync(body, keys, args);
    }
}
