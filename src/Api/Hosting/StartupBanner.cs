using ClickOrleans.Api.Embedded;
using ClickOrleans.Sinks;
using ClickOrleans.Sinks.Postgres;
using ClickOrleans.Sinks.Sqlite;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Api.Hosting;

/// <summary>Once everything runs: one short banner with where to reach the Api and dashboard, and where the data goes.</summary>
internal sealed class StartupBanner(
    IHostApplicationLifetime lifetime,
    IServer server,
    IServiceProvider services,
    IConfiguration configuration,
    EmbeddedRedis? embedded = null) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(Print);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Print()
    {
        var url = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "(no HTTP address)";
        var banner = new System.Text.StringBuilder();
        banner.AppendLine(embedded is null ? "ClickOrleans Api is running (cluster client)" : "ClickOrleans is running (embedded mode)");
        banner.AppendLine($"  API        {url}   POST /clicks, POST /clicks/batch, GET /stats, POST /admin/drain");
        banner.AppendLine($"  OpenAPI    {url}/openapi/v1.json" + (embedded is null ? "" : $", reference at {url}/scalar"));
        banner.AppendLine($"  Operate    {url}/health, {url}/metrics");
        banner.AppendLine($"  Dashboard  {url}/dashboard");
        if (embedded is not null)
        {
            banner.AppendLine($"  Redis      {embedded.Address} (embedded Garnet, password in {embedded.PasswordFile}, append-only log in {embedded.DataDirectory})");
            banner.AppendLine($"  Sink       {SinkDescription()}");
        }
        else
        {
            // Never the password: the connection string may carry one.
            var redis = StackExchange.Redis.ConfigurationOptions.Parse(configuration.GetConnectionString("Redis")!).ToString(includePassword: false);
            banner.AppendLine($"  Redis      {redis}");
        }

        banner.Append("Press Ctrl+C to stop.");
        Console.WriteLine(banner.ToString());
    }

    private string SinkDescription() => services.GetRequiredService<IEventSink>() switch
    {
        SqliteEventSink sqlite => $"SQLite {sqlite.Path}",
        _ => $"PostgreSQL, schema {services.GetRequiredService<IOptions<PostgresSinkOptions>>().Value.Schema}",
    };
}
