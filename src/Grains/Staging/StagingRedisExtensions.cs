using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace ClickOrleans.Staging;

public static class StagingRedisExtensions
{
    /// <summary>
    /// Registers the process's one shared Redis connection for staging lists, and <see cref="AcknowledgedWrites"/> (a
    /// second connection, only with <c>Clicks:Staging:Replicas</c> or <c>CommitAof</c>).
    /// </summary>
    /// <remarks>
    /// Connects here, while the host is being built: created lazily by the first requests, a synchronous connect
    /// would block thread-pool threads that its own handshake needs. The connection starts even while Redis is
    /// down and reconnects by itself; commands fail fast while it is disconnected, so ingest answers 503 at once
    /// instead of queueing clicks it cannot acknowledge (a queued push could still land after its 503).
    /// </remarks>
    public static IServiceCollection AddStagingRedis(this IServiceCollection services, string connectionString)
    {
        var redis = ConnectionMultiplexer.Connect(ConfigurationOf(connectionString));
        services.AddSingleton<IConnectionMultiplexer>(_ => redis); // a factory, so the container disposes it
        services.AddSingleton<AcknowledgedWrites>();
        services.AddHostedService<AcknowledgedWritesConnection>();
        return services;
    }

    /// <summary>How every staging connection connects: starts while Redis is down, fails commands fast while disconnected.</summary>
    internal static ConfigurationOptions ConfigurationOf(string connectionString)
    {
        var configuration = ConfigurationOptions.Parse(connectionString);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        return configuration;
    }

    /// <summary>Creates <see cref="AcknowledgedWrites"/> (and so its connection) at start, not in the first request that needs it.</summary>
    private sealed class AcknowledgedWritesConnection(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            services.GetRequiredService<AcknowledgedWrites>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
