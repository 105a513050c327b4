using ClickOrleans;
using ClickOrleans.Api;
using ClickOrleans.Api.Admin;
using ClickOrleans.Api.Embedded;
using ClickOrleans.Api.Hosting;
using ClickOrleans.Api.Ingest;
using ClickOrleans.Hosting;
using ClickOrleans.Api.Queries;
using ClickOrleans.Api.Security;
using ClickOrleans.Api.Streams;
using ClickOrleans.Drain;
using ClickOrleans.Sinks;
using ClickOrleans.Streams;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using Scalar.AspNetCore;

if (HealthProbe.IsRequested(args))
{
    return await HealthProbe.RunAsync(args);
}

SettingsFileWatch.PollUnlessConfigured();
var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddClickOrleansDefaults();
builder.UseLoopbackUnlessConfigured(ApiDefaults.Port);
EmbeddedRedis? embedded;
try
{
    // Checked before the host is built: an embedded silo reads the section while it constructs.
    var clicks = builder.Configuration.GetValidated<ClickOptions, ClickOptionsValidator>(ClickOptions.Section);
    StreamCatalog.From(builder.Configuration, clicks);
    embedded = builder.AddClickOrleans();
    builder.AddApiSecurity(embedded is not null);
}
catch (Exception e) when (e is EmbeddedRedisException or MissingSettingException or OptionsValidationException)
{
    Console.Error.WriteLine(e is OptionsValidationException invalid ? ValidatedOptions.Describe(invalid) : e.Message);
    return 1;
}

builder.AddServiceDefaults(DrainTelemetry.Name);
builder.Services.AddIngest(builder.Configuration);
builder.Services.AddClickOrleansOpenApi();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
builder.Services.AddExceptionHandler<UnavailableExceptionHandler>();
builder.Services.AddOptions<KestrelServerOptions>()
    .Configure<IOptions<ClickOptions>>((kestrel, clicks) => kestrel.Limits.MaxRequestBodySize = clicks.Value.MaxRequestBytes);
builder.Services.ConfigureHttpJsonOptions(json => ApiJsonContext.Configure(json.SerializerOptions));

var app = builder.Build();
app.UseForwardedHeaders(); // only from Api:KnownProxies: the client address the rate limits partition by
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
// Between authentication and authorization: a request is limited by its key (by its address when it has no valid key)
// before a 401 or 403, so guessing keys is limited too.
app.UseRateLimiter();
app.UseAuthorization();
app.MapHealthEndpoints(ApiSecurityExtensions.IsAdministratorAsync).RequireRateLimiting(ApiSecurityExtensions.RateLimitPolicy);
app.MapMetricsEndpoint().RequireAuthorization(Scopes.Admin);
app.MapIngestApi().RequireAuthorization(Scopes.Ingest).RequireRateLimiting(ApiSecurityExtensions.RateLimitPolicy);
app.MapStreamsApi().RequireAuthorization(Scopes.Read).RequireRateLimiting(ApiSecurityExtensions.RateLimitPolicy);
app.MapQueriesApi().RequireAuthorization(Scopes.Read).RequireRateLimiting(ApiSecurityExtensions.RateLimitPolicy);
app.MapAdminApi().RequireAuthorization(Scopes.Admin).RequireRateLimiting(ApiSecurityExtensions.RateLimitPolicy);
app.MapBackfillApi().RequireAuthorization(Scopes.Admin).RequireRateLimiting(ApiSecurityExtensions.RateLimitPolicy);
app.MapDeadLettersApi().RequireAuthorization(Scopes.Admin).RequireRateLimiting(ApiSecurityExtensions.RateLimitPolicy);
app.MapOpenApi();
if (embedded is not null || app.Environment.IsDevelopment())
{
    app.MapScalarApiReference("/scalar");
}

app.MapOrleansDashboard("/dashboard").RequireAuthorization(Scopes.Admin).ExcludeFromDescription();
try
{
    await app.RunAsync();
}
catch (Exception e) when (e is UnsafeBindingException or SchemaChangedException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

return 0;

/// <summary>The Api's entry point, visible to <c>WebApplicationFactory</c> in the tests.</summary>
public partial class Program;
