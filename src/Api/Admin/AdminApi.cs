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
            .WithDescription("Drains everything staged before the request: runs a drain, or, while one runs, waits for it and the one after it. "
                + "Answers with what the drain did, or 503 with the reason when it failed (what it committed stays committed).")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        admin.MapGet("/stats", GetStats)
            .WithSummary("Backlog, private lists, dead letters, drain totals, the last drain and failure, the lag, and whether the drain is stalled");
        return admin;
    }

    private static async Task<Ok<AggregatorStats>> GetStats(IGrainFactory grains, IOptions<StagingOptions> staging) =>
        TypedResults.Ok(await grains.GetGrain<IAggregatorGrain>(staging.Value.StagingKey).GetStats());

    /// <summary>Drains everything staged before the call and says what the drain did, or why it failed.</summary>
    private static async Task<Results<Ok<DrainResult>, ProblemHttpResult>> Drain(
        IGrainFactory grains, IOptions<StagingOptions> staging, HttpResponse response)
    {
        try
        {
            return TypedResults.Ok(await grains.GetGrain<IAggregatorGrain>(staging.Value.StagingKey).Drain());
        }
        catch (DrainFailedException e)
        {
            response.Headers.RetryAfter = "5";
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Drain failed");
        }
    }
}
