using ClickOrleans.Staging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Api.Admin;

/// <summary>Operator endpoints: the stream's stats and drains, over every shard.</summary>
public static class AdminApi
{
    private static readonly TimeSpan ClusterProbeTimeout = TimeSpan.FromSeconds(10);

    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("").WithTags("Admin");
        admin.MapPost("/admin/drain", Drain)
            .WithSummary("Drain the staging lists now")
            .WithDescription("Drains everything staged before the request, on every shard: runs a drain, or, while one runs, waits for it and the one after it. "
                + "Answers with what the drains did, or 503 with the reason when one failed (what it committed stays committed).")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        admin.MapGet("/stats", GetStats)
            .WithSummary("Backlog, private lists, dead letters, drain totals, the last drain and failure, the lag, and whether the drain is stalled")
            .WithDescription("The whole stream's stats, and each shard's under shards.");
        return admin;
    }

    private static async Task<Ok<AggregatorStats>> GetStats(IGrainFactory grains, StagingStream stream, IOptions<ClickOptions> options)
    {
        var shards = await Task.WhenAll(stream.Shards.Select(shard => grains.GetGrain<IAggregatorGrain>(shard.Staging!).GetStats()));
        return TypedResults.Ok(StreamStats.Stats(options.Value.StagingKey, shards));
    }

    /// <summary>Drains everything staged before the call, on every shard, and says what the drains did, or why one failed.</summary>
    /// <remarks>
    /// A drain may take minutes, so its call waits long; the cluster is asked first, briefly, whether it answers at all,
    /// so that an Api cut off from every silo says so (503) instead of waiting.
    /// </remarks>
    private static async Task<Results<Ok<DrainResult>, ProblemHttpResult>> Drain(
        IGrainFactory grains, StagingStream stream, TimeProvider time, HttpResponse response, CancellationToken cancellationToken)
    {
        await grains.GetGrain<IManagementGrain>(0).GetHosts(true, cancellationToken).WaitAsync(ClusterProbeTimeout, cancellationToken);
        var drains = stream.Shards
            .Select(shard => WatchedDrain.DrainAsync(grains.GetGrain<IAggregatorGrain>(shard.Staging!), time, cancellationToken))
            .ToArray();
        try
        {
            return TypedResults.Ok(StreamStats.Drain(await Task.WhenAll(drains)));
        }
        catch (DrainFailedException)
        {
            response.Headers.RetryAfter = "5";
            var reasons = drains.Where(d => d.IsFaulted).Select(d => d.Exception!.InnerException!.Message);
            return TypedResults.Problem(string.Join(" ", reasons), statusCode: StatusCodes.Status503ServiceUnavailable, title: "Drain failed");
        }
    }
}
