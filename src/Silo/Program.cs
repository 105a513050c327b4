using ClickOrleans.Hosting;
using Orleans.Dashboard;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddClickOrleansDefaults();

// Silos of a cluster share one sink, so cluster mode needs PostgreSQL; the embedded SQLite sink is the Api's single-process mode.
builder.Configuration.GetRequiredConnectionString("Postgres");
builder.UseOrleans(silo => silo.AddClickPipeline(builder.Configuration).AddDashboard());

var app = builder.Build();
app.MapOrleansDashboard("/dashboard");
app.Run();
