using System.Globalization;
using StackExchange.Redis;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>How often redis-server has run a command, from <c>INFO commandstats</c> (Garnet does not count them).</summary>
public static class RedisCommandStats
{
    public const string NeedsRedisServer = "counts commands with INFO commandstats, which needs redis-server";

    /// <summary>Calls of <paramref name="command"/> on every primary (one server, or every master of a cluster).</summary>
    public static async Task<long> CallsAsync(IConnectionMultiplexer redis, string command)
    {
        var total = 0L;
        foreach (var server in redis.GetServers().Where(server => !server.IsReplica))
        {
            var stats = await server.InfoAsync("commandstats");
            var calls = stats.SelectMany(group => group).FirstOrDefault(pair => pair.Key == "cmdstat_" + command).Value;
            total += calls is null ? 0 : long.Parse(calls.Split(',')[0]["calls=".Length..], CultureInfo.InvariantCulture);
        }

        return total;
    }
}
