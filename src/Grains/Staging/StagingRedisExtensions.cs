using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace ClickOrleans.Staging;

public static class StagingRedisExtensions
{
    /// <summary>Registers the process's one shared Redis connection for staging lists.</summary>
    /// <remarks>
    /// The connection starts even while Redis is down and reconnects by itself; commands fail fast while it is
    /// disconnected, so ingest answers 503 at once instead of queueing clicks it cannot acknowledge.
    /// </remarks>
    public static IServiceCollection AddStagingRedis(this IServiceCollection services, string connectionString)
    {
        var configuration = ConfigurationOptions.Parse(connectionString);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(configuration));
        return services;
    }
}
