using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace ClickOrleans.Staging;

public static class StagingRedisExtensions
{
    /// <summary>Registers the process's one shared Redis connection for staging lists.</summary>
    /// <remarks>
    /// Connects here, while the host is being built: created lazily by the first requests, a synchronous connect
    /// would block thread-pool threads that its own handshake needs. The connection starts even while Redis is
    /// down and reconnects by itself; commands fail fast while it is disconnected, so ingest answers 503 at once
    /// instead of queueing clicks it cannot acknowledge (a queued push could still land after its 503).
    /// </remarks>
    public static IServiceCollection AddStagingRedis(this IServiceCollection services, string connectionString)
    {
        var configuration = ConfigurationOptions.Parse(connectionString);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        var redis = ConnectionMultiplexer.Connect(configuration);
        services.AddSingleton<IConnectionMultiplexer>(_ => redis); // a factory, so the container disposes it
        return services;
    }
}
