using ClickOrleans;
using ClickOrleans.Drain;
using ClickOrleans.Hosting;
using ClickOrleans.Sinks;
using ClickOrleans.Streams;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

if (HealthProbe.IsRequested(args))
{
    return await HealthProbe.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
// Loopback by default: the dashboard has no authentication of its own.
builder.UseLoopbackUnlessConfigured(8081);
// Below docker-compose's stop_grace_period (30 s): the silo leaves the cluster before it is killed.
builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(25));
builder.Configuration.AddClickOrleansDefaults();
try
{
    // Silos of a cluster share one sink, so cluster mode needs PostgreSQL; SQLite is the Api's single-process mode.
    builder.Configuration.GetRequiredConnectionString("Postgres");
    // Checked before the silo is built: Orleans reads the section while it constructs, before options are validated.
    var clicks = builder.Configuration.GetValidated<ClickOptions, ClickOptionsValidator>(ClickOptions.Section);
    StreamCatalog.From(builder.Configuration, clicks);
    builder.UseOrleans(silo => silo.AddClickPipeline(builder.Configuration).AddDashboard());
}
catch (Exception e) when (e is MissingSettingException or OptionsValidationException)
{
    Console.Error.WriteLine(e is OptionsValidationException invalid ? ValidatedOptions.Describe(invalid) : e.Message);
    return 1;
}

builder.AddServiceDefaults(DrainTelemetry.Name);

var app = builder.Build();
// The reasons of /health name stores and lists: for callers on this machine (the silo's HTTP has no keys).
app.MapHealthEndpoints(context => Task.FromResult(context.Connection.RemoteIpAddress is { } address && System.Net.IPAddress.IsLoopback(address)));
app.MapMetricsEndpoint();
app.MapOrleansDashboard("/dashboard");
try
{
    await app.RunAsync();
}
catch (SchemaChangedException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

return 0;
