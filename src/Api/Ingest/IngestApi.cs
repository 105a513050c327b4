using System.Text.Json;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using Microsoft.AspNetCore.Http.HttpResults;
using StackExchange.Redis;

namespace ClickOrleans.Api.Ingest;

/// <summary>
/// The ingest endpoints, <c>/clicks</c> and <c>/streams/{stream}/events</c>: validate, stage with one LPUSH, answer 202
/// only once Redis acknowledged.
/// </summary>
/// <remarks>The write path calls no grain (but a one-way poke), so ingest keeps working while silos restart.</remarks>
public static class IngestApi
{
    public static RouteGroupBuilder MapIngestApi(this IEndpointRouteBuilder app)
    {
        var ingest = app.MapGroup("")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        var clicks = ingest.MapGroup("/clicks").WithTags("Clicks");
        clicks.MapPost("/", StageEvent)
            .WithName("StageClick")
            .WithSummary("Stage one click")
            .WithDescription("202 once Redis acknowledged the push. A client-given id makes a retry idempotent end to end.")
            .Accepts<JsonElement>("application/json");
        clicks.MapPost("/batch", StageEventBatch)
            .WithName("StageBatch")
            .WithSummary("Stage a batch of clicks with one atomic LPUSH")
            .WithDescription("Any invalid element rejects the whole batch with the bad indexes; nothing is staged.")
            .Accepts<JsonElement[]>("application/json");

        var events = ingest.MapGroup("/streams/{stream}/events").WithTags("Streams").ProducesProblem(StatusCodes.Status404NotFound);
        events.MapPost("/", StageEvent)
            .WithSummary("Stage one event of a stream")
            .WithDescription("The same contract as POST /clicks, for the stream named in the path: a JSON object of the stream's fields (GET /streams/{stream} lists them, with id and ts as for clicks); 202 once Redis acknowledged the push; 404 for a stream this deployment does not run.")
            .Accepts<JsonElement>("application/json");
        events.MapPost("/batch", StageEventBatch)
            .WithSummary("Stage a batch of events of a stream with one atomic LPUSH")
            .WithDescription("The same contract as POST /clicks/batch, for the stream named in the path: a JSON array of the stream's events; any invalid element rejects the whole batch with the bad indexes; nothing is staged.")
            .Accepts<JsonElement[]>("application/json");
        return ingest;
    }

    /// <summary>One event of the route's stream (the clicks stream for <c>/clicks</c>).</summary>
    private static async Task<Results<Accepted<ClickAccepted>, ValidationProblem, ProblemHttpResult>> StageEvent([AsParameters] IngestRequest ingest)
    {
        if (ingest.Route.Schema is not { } stream)
        {
            return UnknownStream(ingest);
        }

        var body = ingest.Body(stream);
        return await StageAsync(ingest, stream, () => body.ReadOneAsync(ingest.Request.Body, ingest.CancellationToken), events => new ClickAccepted(events[0].Id));
    }

    /// <summary>A batch of events of the route's stream (the clicks stream for <c>/clicks/batch</c>).</summary>
    private static async Task<Results<Accepted<BatchAccepted>, ValidationProblem, ProblemHttpResult>> StageEventBatch([AsParameters] IngestRequest ingest)
    {
        if (ingest.Route.Schema is not { } stream)
        {
            return UnknownStream(ingest);
        }

        var body = ingest.Body(stream);
        return await StageAsync(ingest, stream, () => body.ReadBatchAsync(ingest.Request.Body, ingest.Options.Value.MaxBatch, ingest.CancellationToken),
            events => new BatchAccepted(events.Count));
    }

    private static Task StageEventsAsync(StreamStager stager, IReadOnlyList<EventToStage> events)
    {
        var elements = new RedisValue[events.Count];
        string?[]? clientIds = null;
        for (var i = 0; i < events.Count; i++)
        {
            elements[i] = events[i].Element;
            if (events[i].IdFromClient)
            {
                (clientIds ??= new string?[events.Count])[i] = events[i].Id;
            }
        }

        return stager.StageAsync(elements, clientIds);
    }

    private static async Task<Results<Accepted<TAccepted>, ValidationProblem, ProblemHttpResult>> StageAsync<TAccepted>(
        IngestRequest ingest, StreamSchema stream, Func<Task<ParsedBody>> readBody, Func<IReadOnlyList<EventToStage>, TAccepted> accepted)
    {
        var telemetry = ingest.Telemetry;
        if (!ingest.Request.HasJsonContentType())
        {
            telemetry.Rejected(stream.Name, "unsupported-media-type");
            return UnsupportedMediaType();
        }

        var body = await readBody();
        if (body.Reason is { } reason)
        {
            telemetry.Rejected(stream.Name, reason);
            return body.Errors is { } errors
                ? TypedResults.ValidationProblem(errors, body.Detail)
                : TypedResults.Problem(body.Detail, statusCode: StatusCodes.Status400BadRequest, title: body.Title);
        }

        await StageEventsAsync(ingest.Stagers.Of(stream), body.Events);
        telemetry.Accepted(stream.Name, body.Events.Count);
        return TypedResults.Accepted((string?)null, accepted(body.Events));
    }

    private static ProblemHttpResult UnknownStream(IngestRequest ingest)
    {
        ingest.Telemetry.RejectedUnknownStream();
        return ingest.Route.UnknownStream();
    }

    private static ProblemHttpResult UnsupportedMediaType() =>
        TypedResults.Problem("Send the click as JSON with Content-Type: application/json.",
            statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type");
}
