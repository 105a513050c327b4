using System.Diagnostics;
using ClickOrleans.Staging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Clustering.Redis;
using Orleans.Configuration;
using StackExchange.Redis;

namespace ClickOrleans.Hosting;

/// <summary>
/// Orleans' Redis membership and reminders on the process's one Redis connection, the staging connection of
/// <see cref="StagingRedisExtensions.AddStagingRedis"/>, instead of a connection each. Marked shared, so Orleans
/// leaves it open when it stops; the container disposes it last.
/// </summary>
public static partial class SharedRedisConnection
{
    /// <summary>How long a silo started before Redis waits for it before its start fails.</summary>
    private static readonly TimeSpan ConnectWait = TimeSpan.FromMinutes(2);

    public static IServiceCollection UseStagingConnectionForOrleans(this IServiceCollection services)
    {
        services.AddOptions<RedisClusteringOptions>()
            .Configure<IConnectionMultiplexer, ILoggerFactory>((options, redis, loggers) => options.CreateMultiplexer = _ => ConnectedAsync(redis, loggers));
        services.AddOptions<RedisReminderTableOptions>()
            .Configure<IConnectionMultiplexer, ILoggerFactory>((options, redis, loggers) => options.CreateMultiplexer = _ => ConnectedAsync(redis, loggers));
        return services;
    }

    /// <summary>
    /// The connection once it is connected: it starts while Redis is down and fails commands fast meanwhile, so
    /// Orleans' first membership command would fail the silo's start when a deployment starts Redis last.
    /// </summary>
    private static async Task<(IConnectionMultiplexer Multiplexer, bool IsShared)> ConnectedAsync(IConnectionMultiplexer redis, ILoggerFactory loggers)
    {
        if (!redis.IsConnected)
        {
            LogWaiting(loggers.CreateLogger(typeof(SharedRedisConnection).FullName!), string.Join(',', redis.GetEndPoints().Select(endpoint => endpoint.ToString())), ConnectWait);
            var waited = Stopwatch.StartNew();
            while (!redis.IsConnected && waited.Elapsed < ConnectWait)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250));
            }
        }

        return (redis, true);
    }

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning,
        Message = "Redis ({Endpoints}) cannot be reached yet: the silo waits for it, up to {Wait}, before it joins the cluster")]
    private static partial void LogWaiting(ILogger logger, string endpoints, TimeSpan wait);
}
