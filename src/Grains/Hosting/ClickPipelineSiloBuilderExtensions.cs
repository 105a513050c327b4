using ClickOrleans.Drain;
using ClickOrleans.Sinks;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace ClickOrleans.Hosting;

public static class ClickPipelineSiloBuilderExtensions
{
    /// <summary>
    /// Adds the click pipeline to a silo: Redis clustering and reminders on <c>ConnectionStrings:Redis</c>, the
    /// aggregator and its schedule, and the sink chosen by configuration (see <see cref="SinkServiceCollectionExtensions.AddSink"/>).
    /// </summary>
    public static ISiloBuilder AddClickPipeline(this ISiloBuilder silo, IConfiguration configuration)
    {
        var redis = configuration.GetRequiredConnectionString("Redis");
        silo.UseRedisClustering(options => options.ConfigurationOptions = ConfigurationOptions.Parse(redis));
        silo.UseRedisReminderService(options => options.ConfigurationOptions = ConfigurationOptions.Parse(redis));
        silo.AddStartupTask<DrainScheduleStartupTask>();
        silo.AddPlacementDirector<ShardPlacement, ShardPlacementDirector>();

        var services = silo.Services;
        // Orleans' own defaults (a dead silo is declared in ~15 s) unless Orleans:Membership:* says otherwise.
        services.AddOptions<ClusterMembershipOptions>().BindConfiguration("Orleans:Membership");
        services.AddOptions<SiloOptions>().Configure(options =>
            options.SiloName = configuration["Orleans:SiloName"] ?? $"silo-{Environment.MachineName}-{Environment.ProcessId}");
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<DrainTelemetry>();
        services.AddStagingRedis(redis).UseStagingConnectionForOrleans();
        services.AddValidatedOptions<ClickOptions, ClickOptionsValidator>(ClickOptions.Section);
        services.AddStreamCatalog(configuration);
        services.AddOptions<ReminderOptions>()
            .Configure<StreamCatalog>((reminders, streams) =>
            {
                var shortest = streams.Streams.Min(stream => stream.Drain.DrainPeriod);
                if (shortest < reminders.MinimumReminderPeriod)
                {
                    reminders.MinimumReminderPeriod = shortest;
                }
            });
        services.AddSink(configuration);
        services.AddHealthChecks()
            .AddCheck<RedisHealthCheck>("redis")
            .AddCheck<SinkHealthCheck>("sink")
            .AddCheck<DrainHealthCheck>("drain");
        return silo;
    }
}
