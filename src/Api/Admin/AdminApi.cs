using ClickOrleans.Staging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Api.Admin;

/// <summary>Operator endpoints.</summary>
public static class AdminApi
{
    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("").WithTags("Admin");
        admin.MapPost("/admin/drain", Drain)
            .WithSummary("Drain the staging list now")
            .WithDescription("Runs a drain, or joins the one running, and answers with what it did.");
        admin.MapGet("/stats", GetStats)
            .WithSummary("Backlog, pending private lists, dead letters, drain totals, the last drain and the lag");
        return admin;
    }

    private static async Task<Ok<AggregatorStats>> GetStats(IGrainFactory grains, IOptions<StagingOptions> staging) =>
        TypedResults.Ok(await grains.GetGrain<IAggregatorGrain>(staging.Value.StagingKey).GetStats());

    /// <summary>Drains the staging list now (or joins the drain running) and says what it did.</summary>
    private static async Task<Ok<DrainResult>> Drain(IGrainFactory grains, IOptions<StagingOptions> staging) =>
        TypedResults.Ok(await grains.GetGrain<IAggregatorGrain>(staging.Value.StagingKey).Drain());
}
