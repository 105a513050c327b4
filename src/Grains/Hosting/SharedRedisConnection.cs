using ClickOrleans.Staging;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Clustering.Redis;
using Orleans.Configuration;
using StackExchange.Redis;

namespace ClickOrleans.Hosting;

/// <summary>
/// Orleans' Redis membership and reminders on the process's one Redis connection, the staging connection of
/// <see cref="StagingRedisExtensions.AddStagingRedis"/>, instead of a connection each. Marked shared, so Orleans
/// leaves it open when it stops; the container disposes it last.
/// </summary>
public static class SharedRedisConnection
{
    public static IServiceCollection UseStagingConnectionForOrleans(this IServiceCollection services)
    {
        services.AddOptions<RedisClusteringOptions>()
            .Configure<IConnectionMultiplexer>((options, redis) => options.CreateMultiplexer = _ => Shared(redis));
        services.AddOptions<RedisReminderTableOptions>()
            .Configure<IConnectionMultiplexer>((options, redis) => options.CreateMultiplexer = _ => Shared(redis));
        return services;
    }

    private static Task<(IConnectionMultiplexer Multiplexer, bool IsShared)> Shared(IConnectionMultiplexer redis) =>
        Task.FromResult((redis, true));
}
