using ClickOrleans.Api.Streams;
using ClickOrleans.Streams;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClickOrleans.Api.Admin;

/// <summary>Backfill: a stream's store loaded from its Parquet archive, over whole hours, exactly once (<see cref="IBackfillGrain"/>).</summary>
public static class BackfillApi
{
    private const string Route = "/admin/streams/{stream}/backfill";

    public static RouteGroupBuilder MapBackfillApi(this IEndpointRouteBuilder app)
    {
        var backfill = app.MapGroup("").WithTags("Admin");
        backfill.MapPost(Route, Start).WithName("StartBackfill")
            .WithSummary("Load a stream's store from its Parquet archive over [from, to), whole UTC hours")
            .WithDescription("Runs in the background, exactly once and resumed after a crash; its progress is under backfill in the stream's stats and here. "
                + "Refused (409) while one runs, and when the store already holds data of the range (its table's events or its rollups' buckets), unless replace is true: "
                + "then the store's events of the range and its rollups' buckets in it (the range must start and end at buckets of every rollup) are deleted first, "
                + "and the archive is read once the drains committed everything accepted before the delete. "
                + "Refused (400) for a range that starts before what the store keeps under the stream's Retention.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        backfill.MapGet(Route, Get).WithName("GetBackfill")
            .WithSummary("The stream's running backfill, or its last")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return backfill;
    }

    private static async Task<Results<Accepted<BackfillStatus>, ValidationProblem, ProblemHttpResult>> Start(StreamRoute route, BackfillRequest request, IGrainFactory grains, TimeProvider time)
    {
        if (route.Schema is not { } stream)
        {
            return route.UnknownStream();
        }

        if (Invalid(stream, request, time.GetUtcNow()) is { } errors)
        {
            return TypedResults.ValidationProblem(errors, "The backfill was not started.");
        }

        var start = await grains.GetGrain<IBackfillGrain>(stream.Name).Start(request);
        return start.Conflict is { } conflict
            ? TypedResults.Problem(conflict, statusCode: StatusCodes.Status409Conflict, title: "Backfill refused")
            : TypedResults.Accepted($"/admin/streams/{stream.Name}/backfill", start.Status);
    }

    private static async Task<Results<Ok<BackfillStatus>, ProblemHttpResult>> Get(StreamRoute route, IGrainFactory grains)
    {
        if (route.Schema is not { } stream)
        {
            return route.UnknownStream();
        }

        return await grains.GetGrain<IBackfillGrain>(stream.Name).GetStatus() is { } status
            ? TypedResults.Ok(status)
            : TypedResults.Problem($"The stream '{stream.Name}' has had no backfill.", statusCode: StatusCodes.Status404NotFound, title: "No backfill");
    }

    private static Dictionary<string, string[]>? Invalid(StreamSchema stream, BackfillRequest request, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>();
        if (!stream.Archived)
        {
            errors["stream"] = [$"The stream '{stream.Name}' is not archived (Streams:{stream.Name}:Sinks lists no {StreamSinks.Parquet}): there is no archive to backfill from."];
        }

        var stores = stream.Sinks?.Where(sink => sink != StreamSinks.Parquet).ToArray() ?? [];
        if (!stores.Contains(request.Sink, StringComparer.Ordinal))
        {
            errors["sink"] = [$"sink must name the store the stream is written to ({string.Join(", ", stores)}): the archive is what a backfill reads."];
        }

        foreach (var (name, time) in new[] { ("from", request.From), ("to", request.To) })
        {
            if (time == default || time.UtcTicks % TimeSpan.TicksPerHour != 0)
            {
                errors[name] = [$"{name} must be a whole UTC hour, as an RFC 3339 time (2026-12-01T07:00:00Z): the archive is partitioned by hour."];
            }
        }

        if (!errors.ContainsKey("from") && !errors.ContainsKey("to") && request.From >= request.To)
        {
            errors["to"] = ["to must be after from."];
        }

        if (request.Replace && !errors.ContainsKey("from") && !errors.ContainsKey("to")
            && stream.Rollups.FirstOrDefault(rollup => request.From.ToUnixTimeMilliseconds() % rollup.BucketMs != 0 || request.To.ToUnixTimeMilliseconds() % rollup.BucketMs != 0) is { } unaligned)
        {
            errors["replace"] = [$"To replace a range, from and to must start buckets of every rollup of the stream, and {unaligned.Name}'s are {unaligned.Bucket}: the buckets of the range are deleted whole and loaded again."];
        }

        if (!errors.ContainsKey("from") && stream.KeptSince(now) is { } since && request.From < since)
        {
            errors["from"] = [$"from {Queries.QueryParameters.RetentionRule(stream, since)}: the next retention pass would drop what a backfill stores there."];
        }

        return errors.Count > 0 ? errors : null;
    }
}
