using System.Text.Json;
using ClickOrleans.Api.Streams;
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
        clicks.MapPost("/", StageClick)
            .WithSummary("Stage one click")
            .WithDescription("202 once Redis acknowledged the push. A client-given id makes a retry idempotent end to end.")
            .Accepts<ClickRequest>("application/json");
        clicks.MapPost("/batch", StageBatch)
            .WithSummary("Stage a batch of clicks with one atomic LPUSH")
            .WithDescription("Any invalid element rejects the whole batch with the bad indexes; nothing is staged.")
            .Accepts<ClickRequest[]>("application/json");

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

    private static async Task<Results<Accepted<ClickAccepted>, ValidationProblem, ProblemHttpResult>> StageEvent(
        StreamRoute route, StreamStagers stagers, [AsParameters] IngestRequest ingest)
    {
        if (route.Schema is not { } stream)
        {
            return UnknownStream(route, ingest.Telemetry);
        }

        if (route.Catalog.RulesOf(stream) is not { } rules)
        {
            return await StageClick(ingest);
        }

        var body = EventBody(rules, ingest);
        return await StageAsync(ingest, stream.Name, () => body.ReadOneAsync(ingest.Request.Body, ingest.CancellationToken),
            events => StageEventsAsync(stagers.Of(stream), events), events => new ClickAccepted(events[0].Id));
    }

    private static async Task<Results<Accepted<BatchAccepted>, ValidationProblem, ProblemHttpResult>> StageEventBatch(
        StreamRoute route, StreamStagers stagers, [AsParameters] IngestRequest ingest)
    {
        if (route.Schema is not { } stream)
        {
            return UnknownStream(route, ingest.Telemetry);
        }

        if (route.Catalog.RulesOf(stream) is not { } rules)
        {
            return await StageBatch(ingest);
        }

        var body = EventBody(rules, ingest);
        return await StageAsync(ingest, stream.Name, () => body.ReadBatchAsync(ingest.Request.Body, ingest.Options.Value.MaxBatch, ingest.CancellationToken),
            events => StageEventsAsync(stagers.Of(stream), events), events => new BatchAccepted(events.Count));
    }

    private static Task<Results<Accepted<ClickAccepted>, ValidationProblem, ProblemHttpResult>> StageClick([AsParameters] IngestRequest ingest) =>
        StageAsync(ingest, ClickStream.Name, () => ClickBody(ingest).ReadOneAsync(ingest.Request.Body, ingest.CancellationToken),
            ingest.Stager.StageAsync, clicks => new ClickAccepted(clicks[0].Id));

    private static Task<Results<Accepted<BatchAccepted>, ValidationProblem, ProblemHttpResult>> StageBatch([AsParameters] IngestRequest ingest) =>
        StageAsync(ingest, ClickStream.Name, () => ClickBody(ingest).ReadBatchAsync(ingest.Request.Body, ingest.Options.Value.MaxBatch, ingest.CancellationToken),
            ingest.Stager.StageAsync, clicks => new BatchAccepted(clicks.Count));

    private static IngestBody<ClickRequest, Click> ClickBody(IngestRequest ingest) =>
        new(ApiJsonContext.Default.ClickRequest, ingest.Validator().TryValidate, "click");

    private static IngestBody<JsonElement, EventToStage> EventBody(EventRules rules, IngestRequest ingest) =>
        new(ApiJsonContext.Default.JsonElement, new EventValidator(rules, ingest.Time.GetUtcNow(), ingest.Options.Value).TryValidate, "event");

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

    private static async Task<Results<Accepted<TAccepted>, ValidationProblem, ProblemHttpResult>> StageAsync<TEvent, TAccepted>(
        IngestRequest ingest, string stream, Func<Task<ParsedBody<TEvent>>> readBody, Func<IReadOnlyList<TEvent>, Task> stage, Func<IReadOnlyList<TEvent>, TAccepted> accepted)
    {
        var telemetry = ingest.Telemetry;
        if (!ingest.Request.HasJsonContentType())
        {
            telemetry.Rejected(stream, "unsupported-media-type");
            return UnsupportedMediaType();
        }

        var body = await readBody();
        if (body.Reason is { } reason)
        {
            telemetry.Rejected(stream, reason);
            return body.Errors is { } errors
                ? TypedResults.ValidationProblem(errors, body.Detail)
                : TypedResults.Problem(body.Detail, statusCode: StatusCodes.Status400BadRequest, title: body.Title);
        }

        await stage(body.Events);
        telemetry.Accepted(stream, body.Events.Count);
        return TypedResults.Accepted((string?)null, accepted(body.Events));
    }

    private static ProblemHttpResult UnknownStream(StreamRoute route, IngestTelemetry telemetry)
    {
        telemetry.RejectedUnknownStream();
        return route.UnknownStream();
    }

    private static ProblemHttpResult UnsupportedMediaType() =>
        TypedResults.Problem("Send the click as JSON with Content-Type: application/json.",
            statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type");
}
