using ClickOrleans.Api.Embedded;
using ClickOrleans.Hosting;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

namespace ClickOrleans.Api.Hosting;

public static class ClickOrleansHostingExtensions
{
    /// <summary>
    /// Cluster mode when <c>ConnectionStrings:Redis</c> is set: the Api is an Orleans client of the silos.
    /// Embedded mode otherwise: Garnet and a silo run in this process, with the SQLite sink unless
    /// <c>ConnectionStrings:Postgres</c> is set. Same grains and code paths; only the hosting differs.
    /// </summary>
    /// <returns>The embedded Redis, or null in cluster mode.</returns>
    public static EmbeddedRedis? AddClickOrleans(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (configuration.GetConnectionString("Redis") is { Length: > 0 } redis)
        {
            builder.Services.AddStagingRedis(redis).UseStagingConnectionForOrleans();
            builder.UseOrleansClient(client => client.UseRedisClustering(redis).AddDashboard().UseConnectionRetryFilter<ClusterConnectionRetry>());
            builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis").AddCheck<ClusterHealthCheck>("cluster")
                .AddCheck<DrainHealthCheck>("drain");
            return null;
        }

        return builder.AddEmbeddedMode();
    }

    public static IServiceCollection AddIngest(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddValidatedOptions<ClickOptions, ClickOptionsValidator>(ClickOptions.Section);
        services.AddSingleton(provider => new StagingStream(provider.GetRequiredService<IOptions<ClickOptions>>().Value));
        services.AddSingleton(provider => provider.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase());
        services.AddSingleton<StreamStager>();
        services.AddStreamCatalog(configuration);
        services.AddSingleton<StreamStagers>();
        services.AddSingleton<Ingest.IngestTelemetry>();
        services.AddHostedService<StartupBanner>();
        return services;
    }

}
