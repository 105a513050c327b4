using ClickOrleans.Staging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ClickOrleans.Api.Admin;

/// <summary>The dead-letter lists of every shard: what no drain could write, oldest first, shard by shard.</summary>
public static class DeadLettersApi
{
    private const int MaxLimit = 10_000;

    public static RouteGroupBuilder MapDeadLettersApi(this IEndpointRouteBuilder app)
    {
        var letters = app.MapGroup("/admin/dead-letters").WithTags("Admin");
        letters.MapGet("/", List).WithSummary("The oldest dead letters, oldest first, with the reason and the private list they came from");
        letters.MapPost("/replay", Replay)
            .WithSummary("Move the oldest dead letters' elements back onto the staging list")
            .WithDescription("For after the producer that pushed them was fixed: elements that still cannot be parsed return here on the next drain.");
        letters.MapDelete("/", Purge).WithSummary("Delete every dead letter");
        return letters;
    }

    private static async Task<Results<Ok<DeadLetterPage>, ValidationProblem>> List(int? limit, StagingStream stream, IDatabase redis)
    {
        if (Invalid(limit) is { } problem)
        {
            return problem;
        }

        var count = 0L;
        var letters = new List<DeadLetter>();
        foreach (var shard in Shards(stream, redis))
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
        int? limit, StagingStream stream, IDatabase redis, IOptions<ClickOptions> options)
    {
        if (Invalid(limit) is { } problem)
        {
            return problem;
        }

        var shards = new List<DeadLetterReplay>();
        var replayed = 0;
        foreach (var shard in Shards(stream, redis))
        {
            var replay = await shard.ReplayAsync((limit ?? MaxLimit) - replayed, options.Value.MaxBacklog);
            shards.Add(replay);
            replayed += replay.Replayed;
        }

        var result = new DeadLettersReplayed(replayed, [.. shards]);
        if (replayed == 0 && shards.FirstOrDefault(shard => shard.Refused is not null) is { Refused: { } refused })
        {
            var backlogFull = shards.Any(shard => shard.BacklogFull);
            return TypedResults.Problem(
                refused,
                statusCode: backlogFull ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status409Conflict,
                title: backlogFull ? "Backlog full" : "Dead letters changed",
                extensions: new Dictionary<string, object?> { ["shards"] = result.Shards });
        }

        return TypedResults.Ok(result);
    }

    private static async Task<Ok<DeadLettersPurged>> Purge(StagingStream stream, IDatabase redis)
    {
        var purged = 0L;
        foreach (var shard in Shards(stream, redis))
        {
            purged += await shard.PurgeAsync();
        }

        return TypedResults.Ok(new DeadLettersPurged(purged));
    }

    private static IEnumerable<DeadLetters> Shards(StagingStream stream, IDatabase redis) =>
        stream.Shards.Select(keys => new DeadLetters(redis, keys));

    private static ValidationProblem? Invalid(int? limit) =>
        limit is < 1 or > MaxLimit
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"must be from 1 to {MaxLimit}"] })
            : null;
}

public sealed record DeadLetterPage(long Count, DeadLetter[] Letters);

/// <param name="Replayed">Dead letters moved back onto staging lists, all shards together.</param>
/// <param name="Shards">Per shard: moved, left, and why none moved where none did.</param>
public sealed record DeadLettersReplayed(int Replayed, DeadLetterReplay[] Shards);

public sealed record DeadLettersPurged(long Purged);
