using System.Globalization;
using StackExchange.Redis;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>How often redis-server has run a command, from <c>INFO commandstats</c> (Garnet does not count them).</summary>
public static class RedisCommandStats
{
    public const string NeedsRedisServer = "counts commands with INFO commandstats, which needs redis-server";

    public static async Task<long> CallsAsync(IConnectionMultiplexer redis, string command)
    {
        var stats = await redis.GetServers()[0].InfoAsync("commandstats");
        var calls = stats.SelectMany(group => group).FirstOrDefault(pair => pair.Key == "cmdstat_" + command).Value;
        return calls is null ? 0 : long.Parse(calls.Split(',')[0]["calls=".Length..], CultureInfo.InvariantCulture);
    }
}
