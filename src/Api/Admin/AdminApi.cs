using ClickOrleans.Api.Streams;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClickOrleans.Api.Admin;

/// <summary>Operator endpoints: a stream's stats and drains, over every shard.</summary>
public static class AdminApi
{
    private static readonly TimeSpan ClusterProbeTimeout = TimeSpan.FromSeconds(10);

    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("").WithTags("Admin");
        const string drainDescription = "Drains everything staged before the request, on every shard: runs a drain, or, while one runs, waits for it and the one after it. "
            + "Answers with what the drains did, or 503 with the reason when one failed (what it committed stays committed).";
        admin.MapPost("/admin/drain", Drain)
            .WithSummary("Drain the clicks stream's staging lists now")
            .WithDescription(drainDescription)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        admin.MapPost("/admin/streams/{stream}/drain", Drain).WithName("DrainStream")
            .WithSummary("Drain a stream's staging lists now")
            .WithDescription(drainDescription)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        const string statsSummary = "Backlog, private lists, dead letters, drain totals, the last drain and failure, the lag, whether the drain is stalled, and each sink's figures";
        admin.MapGet("/stats", GetStats)
            .WithSummary(statsSummary + ": the clicks stream")
            .WithDescription("The whole stream's stats, and each shard's under shards.");
        admin.MapGet("/streams/{stream}/stats", GetStats).WithName("GetStreamStats")
            .WithSummary(statsSummary + ": one stream")
            .WithDescription("The whole stream's stats, and each shard's under shards.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return admin;
    }

    private static async Task<Results<Ok<AggregatorStats>, ProblemHttpResult>> GetStats(StreamRoute route, IGrainFactory grains)
    {
        if (route.Schema is not { } schema)
        {
            return route.UnknownStream();
        }

        var shards = await Task.WhenAll(Shards(schema).Select(shard => grains.GetGrain<IAggregatorGrain>(shard.Staging!).GetStats()));
        var backfill = schema.Archived ? await grains.GetGrain<IBackfillGrain>(schema.Name).GetStatus() : null;
        return TypedResults.Ok(StreamStats.Stats(schema.StagingKey, shards) with { Backfill = backfill });
    }

    private static IReadOnlyList<StagingKeys> Shards(StreamSchema stream) => new StagingStream(stream.StagingKey, stream.Shards).Shards;

    /// <summary>Drains everything staged before the call, on every shard, and says what the drains did, or why one failed.</summary>
    /// <remarks>
    /// A drain may take minutes, so its call waits long; the cluster is asked first, briefly, whether it answers at all,
    /// so that an Api cut off from every silo says so (503) instead of waiting.
    /// </remarks>
    private static async Task<Results<Ok<DrainResult>, ProblemHttpResult>> Drain(
        StreamRoute route, IGrainFactory grains, TimeProvider time, HttpResponse response, CancellationToken cancellationToken)
    {
        if (route.Schema is not { } schema)
        {
            return route.UnknownStream();
        }

        await grains.GetGrain<IManagementGrain>(0).GetHosts(true, cancellationToken).WaitAsync(ClusterProbeTimeout, cancellationToken);
        var drains = Shards(schema)
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
