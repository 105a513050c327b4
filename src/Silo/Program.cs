using ClickOrleans.Hosting;
using Orleans.Dashboard;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddClickOrleansDefaults();
try
{
    // Silos of a cluster share one sink, so cluster mode needs PostgreSQL; SQLite is the Api's single-process mode.
    builder.Configuration.GetRequiredConnectionString("Postgres");
    builder.UseOrleans(silo => silo.AddClickPipeline(builder.Configuration).AddDashboard());
}
catch (MissingSettingException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

builder.AddServiceDefaults();

var app = builder.Build();
app.MapHealthEndpoints();
app.MapMetricsEndpoint();
app.MapOrleansDashboard("/dashboard");
app.Run();
return 0;
