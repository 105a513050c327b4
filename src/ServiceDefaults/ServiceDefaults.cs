using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ClickOrleans.Hosting;

/// <summary>What every ClickOrleans host has: metrics on <c>/metrics</c>, traces to OTLP when configured, health endpoints.</summary>
public static class ServiceDefaults
{
    /// <summary>Health checks tagged with this run on <c>/alive</c>: no I/O, only "the process serves".</summary>
    public const string LiveTag = "live";

    /// <param name="source">The application's meter and activity source, exported beside Orleans' and ASP.NET Core's.</param>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder, string source)
    {
        var telemetry = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddMeter(source, "Microsoft.Orleans")
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        // Spans cost on every request and grain call: recorded only when there is somewhere to send them.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(source, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter());
        }

        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        builder.Services.AddSingleton<HealthReports>();
        return builder;
    }

    /// <summary>
    /// <c>/alive</c> and <c>/health</c>, open to probes. <c>/health</c> answers 200 (Healthy, Degraded) or 503
    /// (Unhealthy) with the status; with the reason of each check that is not healthy only to the callers
    /// <paramref name="showsDetails"/> admits (the reasons name stores, users and lists).
    /// </summary>
    /// <returns><c>/health</c>, for its conventions (a rate limit).</returns>
    public static IEndpointConventionBuilder MapHealthEndpoints(this IEndpointRouteBuilder app, Func<HttpContext, Task<bool>> showsDetails)
    {
        app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) });
        return app.MapGet("/health", async (HttpContext context, HealthReports reports) =>
        {
            var details = await showsDetails(context);
            var report = details ? await reports.FreshAsync(context.RequestAborted) : await reports.SharedAsync();
            context.Response.StatusCode = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
            context.Response.Headers.CacheControl = "no-store";
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(details ? Describe(report) : report.Status.ToString());
        }).ExcludeFromDescription();
    }

    // "Healthy", or the status and one line per check that is not healthy, with its reason.
    private static string Describe(HealthReport report)
    {
        var text = new System.Text.StringBuilder(report.Status.ToString());
        foreach (var (name, entry) in report.Entries)
        {
            if (entry.Status != HealthStatus.Healthy)
            {
                text.Append('\n').Append(name).Append(": ").Append(entry.Status).Append(": ").Append(entry.Description ?? entry.Exception?.Message);
            }
        }

        return text.ToString();
    }

    /// <summary><c>/metrics</c> in Prometheus format.</summary>
    public static IEndpointConventionBuilder MapMetricsEndpoint(this IEndpointRouteBuilder app) =>
        app.MapPrometheusScrapingEndpoint("/metrics");
}
