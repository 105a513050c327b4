using ClickOrleans.Staging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Api.Admin;

/// <summary>The dead-letter list: what other producers pushed that no drain could parse.</summary>
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

    private static async Task<Results<Ok<DeadLetterPage>, ValidationProblem>> List(int? limit, DeadLetters deadLetters)
    {
        if (Invalid(limit) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok(new DeadLetterPage(await deadLetters.CountAsync(), await deadLetters.ReadAsync(limit ?? 100)));
    }

    private static async Task<Results<Ok<DeadLettersReplayed>, ValidationProblem, ProblemHttpResult>> Replay(int? limit, DeadLetters deadLetters)
    {
        if (Invalid(limit) is { } problem)
        {
            return problem;
        }

        try
        {
            return TypedResults.Ok(new DeadLettersReplayed(await deadLetters.ReplayAsync(limit ?? MaxLimit)));
        }
        catch (StagingConflictException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status409Conflict, title: "Dead letters changed");
        }
    }

    private static async Task<Ok<DeadLettersPurged>> Purge(DeadLetters deadLetters) =>
        TypedResults.Ok(new DeadLettersPurged(await deadLetters.PurgeAsync()));

    private static ValidationProblem? Invalid(int? limit) =>
        limit is < 1 or > MaxLimit
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"must be from 1 to {MaxLimit}"] })
            : null;
}

public sealed record DeadLetterPage(long Count, DeadLetter[] Letters);

public sealed record DeadLettersReplayed(int Replayed);

public sealed record DeadLettersPurged(long Purged);
