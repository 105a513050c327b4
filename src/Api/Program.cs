using ClickOrleans.Api;
using ClickOrleans.Api.Admin;
using ClickOrleans.Api.Hosting;
using ClickOrleans.Api.Ingest;
using ClickOrleans.Hosting;
using ClickOrleans.Api.Queries;
using Orleans.Dashboard;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddClickOrleansDefaults();
EmbeddedRedis? embedded;
try
{
    embedded = builder.AddClickOrleans();
}
catch (EmbeddedRedisException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

builder.AddServiceDefaults();
builder.Services.AddIngest();
builder.Services.AddOpenApi();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
builder.Services.AddExceptionHandler<UnavailableExceptionHandler>();
builder.WebHost.ConfigureKestrel((context, kestrel) => kestrel.Limits.MaxRequestBodySize =
    context.Configuration.GetSection(IngestOptions.Section).Get<IngestOptions>()?.MaxRequestBytes ?? new IngestOptions().MaxRequestBytes);
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default));

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapServiceDefaults();
app.MapClicksApi();
app.MapQueriesApi();
app.MapAdminApi();
app.MapDeadLettersApi();
app.MapOpenApi();
if (embedded is not null || app.Environment.IsDevelopment())
{
    app.MapScalarApiReference("/scalar");
}

if (embedded is not null)
{
    app.MapOrleansDashboard("/dashboard");
}

app.Run();
return 0;

/// <summary>The Api's entry point, visible to <c>WebApplicationFactory</c> in the tests.</summary>
public partial class Program;
