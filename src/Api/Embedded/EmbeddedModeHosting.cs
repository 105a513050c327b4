using ClickOrleans.Hosting;
using Orleans.Dashboard;

namespace ClickOrleans.Api.Embedded;

/// <summary>
/// Embedded mode, what <c>dotnet run --project src/Api</c> runs without <c>ConnectionStrings:Redis</c>: Garnet and a
/// silo in this process, with the SQLite sink unless <c>ConnectionStrings:Postgres</c> is set. Only the Api's
/// embedded mode needs Garnet and the silo; its cluster mode is an Orleans client.
/// </summary>
public static class EmbeddedModeHosting
{
    /// <returns>The embedded Redis, started.</returns>
    public static EmbeddedRedis AddEmbeddedMode(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var embedded = EmbeddedRedis.Start(configuration.GetValidated<EmbeddedRedisOptions, EmbeddedRedisOptionsValidator>(EmbeddedRedisOptions.Section));
        configuration["ConnectionStrings:Redis"] = embedded.ConnectionString;
        // One LRANGE per chunk read: Garnet walks a list from its head for each (ClickOptions.ReadWindow).
        configuration[$"{ClickOptions.Section}:{nameof(ClickOptions.ReadWindow)}"] ??= "1000000";
        // Garnet answers before its log holds a write: without a commit, a kill -9 right after a 202 loses that click.
        configuration[$"{ClickOptions.Section}:{nameof(ClickOptions.Staging)}:{nameof(StagingAcknowledgement.CommitAof)}"] ??= "true";
        // Registered before the silo, so it stops after the silo left the cluster.
        builder.Services.AddSingleton(embedded);
        builder.Services.AddHostedService(_ => new EmbeddedRedisLifetime(embedded));
        builder.UseOrleans(silo => silo.AddClickPipeline(configuration).AddDashboard());
        builder.Services.AddHealthChecks().AddCheck<ClusterHealthCheck>("cluster");
        return embedded;
    }

    private sealed class EmbeddedRedisLifetime(EmbeddedRedis embedded) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            embedded.Dispose();
            return Task.CompletedTask;
        }
    }
}
