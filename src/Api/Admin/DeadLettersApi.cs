using ClickOrleans.Api.Streams;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ClickOrleans.Api.Admin;

/// <summary>The dead-letter lists of every shard: what no drain could write, oldest first, shard by shard.</summary>
public static class DeadLettersApi
{
    private const int MaxLimit = 10_000;
    private const int MaxShards = 1024;

    public static RouteGroupBuilder MapDeadLettersApi(this IEndpointRouteBuilder app)
    {
        var letters = app.MapGroup("").WithTags("Admin");
        MapDeadLetters(letters.MapGroup("/admin/dead-letters"), "the clicks stream", "");
        MapDeadLetters(letters.MapGroup("/admin/streams/{stream}/dead-letters"), "a stream", "Stream").ProducesProblem(StatusCodes.Status404NotFound);
        return letters;
    }

    /// <param name="names">What the operation names of these routes have after their verb: <c>List{names}DeadLetters</c>, ….</param>
    private static RouteGroupBuilder MapDeadLetters(RouteGroupBuilder letters, string stream, string names)
    {
        letters.MapGet("/", List).WithName($"List{names}DeadLetters").WithSummary($"The oldest dead letters of {stream}, oldest first, with the reason and the private list they came from")
            .WithDescription("Every shard of the stream, or ?shards=N to reach shards a lowered Clicks:Shards left behind (as for replay and delete).");
        letters.MapPost("/replay", Replay).WithName($"Replay{names}DeadLetters")
            .WithSummary($"Move the oldest dead letters' elements of {stream} back onto its staging lists")
            .WithDescription("For after the producer that pushed them was fixed: elements that still cannot be parsed return here on the next drain.");
        letters.MapDelete("/", Purge).WithName($"Purge{names}DeadLetters").WithSummary($"Delete every dead letter of {stream}");
        return letters;
    }

    private static async Task<Results<Ok<DeadLetterPage>, ValidationProblem, ProblemHttpResult>> List(StreamRoute route, int? limit, int? shards, IDatabase redis)
    {
        if (route.Schema is not { } stream)
        {
            return route.UnknownStream();
        }

        if (Invalid(limit, shards) is { } problem)
        {
            return problem;
        }

        var count = 0L;
        var letters = new List<DeadLetter>();
        foreach (var shard in Shards(stream, shards, redis))
        {
            count += await shard.CountAsync();
            letters.AddRange(await shard.ReadAsync((limit ?? 100) - letters.Count));
        }

        return TypedResults.Ok(new DeadLetterPage(count, [.. letters]));
    }

    /// <remarks>
    /// Shard by shard, each shard's move atomic; every shard is tried and reported, so a replay that moved some shards'
    /// letters says which. 200 unless nothing moved and some shard refused: 503 when its backlog is full, 409 when its
    /// letters changed meanwhile.
    /// </remarks>
    private static async Task<Results<Ok<DeadLettersReplayed>, ValidationProblem, ProblemHttpResult>> Replay(
        StreamRoute route, int? limit, int? shards, IDatabase redis, IOptions<ClickOptions> options)
    {
        if (route.Schema is not { } stream)
        {
            return route.UnknownStream();
        }

        if (Invalid(limit, shards) is { } problem)
        {
            return problem;
        }

        var replays = new List<DeadLetterReplay>();
        var replayed = 0;
        foreach (var shard in Shards(stream, shards, redis))
        {
            var replay = await shard.ReplayAsync((limit ?? MaxLimit) - replayed, options.Value.MaxBacklog);
            replays.Add(replay);
            replayed += replay.Replayed;
        }

        var result = new DeadLettersReplayed(replayed, [.. replays]);
        if (replayed == 0 && replays.FirstOrDefault(shard => shard.Refused is not null) is { Refused: { } refused })
        {
            var backlogFull = replays.Any(shard => shard.BacklogFull);
            return TypedResults.Problem(
                refused,
                statusCode: backlogFull ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status409Conflict,
                title: backlogFull ? "Backlog full" : "Dead letters changed",
                extensions: new Dictionary<string, object?> { ["shards"] = result.Shards });
        }

        return TypedResults.Ok(result);
    }

    private static async Task<Results<Ok<DeadLettersPurged>, ValidationProblem, ProblemHttpResult>> Purge(StreamRoute route, int? shards, IDatabase redis)
    {
        if (route.Schema is not { } stream)
        {
            return route.UnknownStream();
        }

        if (Invalid(null, shards) is { } problem)
        {
            return problem;
        }

        var purged = 0L;
        foreach (var shard in Shards(stream, shards, redis))
        {
            purged += await shard.PurgeAsync();
        }

        return TypedResults.Ok(new DeadLettersPurged(purged));
    }

    /// <summary>
    /// The dead-letter lists of the stream's shards: all of them, or <paramref name="shards"/> when more, to reach the
    /// shards a lowered <c>Clicks:Shards</c> left behind.
    /// </summary>
    private static IEnumerable<DeadLetters> Shards(StreamSchema stream, int? shards, IDatabase redis) =>
        Enumerable.Range(0, Math.Max(stream.Shards, shards ?? 0))
            .Select(shard => new DeadLetters(redis, new StagingKeys(StagingStream.ShardKey(stream.StagingKey, shard))));

    private static ValidationProblem? Invalid(int? limit, int? shards)
    {
        var errors = new Dictionary<string, string[]>();
        if (limit is < 1 or > MaxLimit)
        {
            errors["limit"] = [$"must be from 1 to {MaxLimit}"];
        }

        if (shards is < 1 or > MaxShards)
        {
            errors["shards"] = [$"must be from 1 to {MaxShards} (Clicks:Shards' range)"];
        }

        return errors.Count > 0 ? TypedResults.ValidationProblem(errors) : null;
    }
}

public sealed record DeadLetterPage(long Count, DeadLetter[] Letters);

/// <param name="Replayed">Dead letters moved back onto staging lists, all shards together.</param>
/// <param name="Shards">Per shard: moved, left, and why none moved where none did.</param>
public sealed record DeadLettersReplayed(int Replayed, DeadLetterReplay[] Shards);

public sealed record DeadLettersPurged(long Purged);
