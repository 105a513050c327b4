using ClickOrleans.Api.Streams;
using Microsoft.AspNetCore.Http.HttpResults;

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
            .WithDescription("The same contract as POST /clicks, for the stream named in the path (GET /streams lists them): 202 once Redis acknowledged the push; 404 for a stream this deployment does not run.")
            .Accepts<ClickRequest>("application/json");
        events.MapPost("/batch", StageEventBatch)
            .WithSummary("Stage a batch of events of a stream with one atomic LPUSH")
            .WithDescription("The same contract as POST /clicks/batch, for the stream named in the path: any invalid element rejects the whole batch with the bad indexes; nothing is staged.")
            .Accepts<ClickRequest[]>("application/json");
        return ingest;
    }

    private static async Task<Results<Accepted<ClickAccepted>, ValidationProblem, ProblemHttpResult>> StageEvent(
        StreamRoute route, [AsParameters] IngestRequest ingest) =>
        route.Schema is null ? UnknownStream(route, ingest.Telemetry) : await StageClick(ingest);

    private static async Task<Results<Accepted<BatchAccepted>, ValidationProblem, ProblemHttpResult>> StageEventBatch(
        StreamRoute route, [AsParameters] IngestRequest ingest) =>
        route.Schema is null ? UnknownStream(route, ingest.Telemetry) : await StageBatch(ingest);

    private static Task<Results<Accepted<ClickAccepted>, ValidationProblem, ProblemHttpResult>> StageClick([AsParameters] IngestRequest ingest) =>
        StageAsync(ingest,
            () => ClickBody.ReadClickAsync(ingest.Request.Body, ingest.Validator(), ingest.CancellationToken),
            clicks => new ClickAccepted(clicks[0].Id));

    private static Task<Results<Accepted<BatchAccepted>, ValidationProblem, ProblemHttpResult>> StageBatch([AsParameters] IngestRequest ingest) =>
        StageAsync(ingest,
            () => ClickBody.ReadBatchAsync(ingest.Request.Body, ingest.Validator(), ingest.Options.Value.MaxBatch, ingest.CancellationToken),
            clicks => new BatchAccepted(clicks.Count));

    private static async Task<Results<Accepted<TAccepted>, ValidationProblem, ProblemHttpResult>> StageAsync<TAccepted>(
        IngestRequest ingest, Func<Task<ParsedBody>> readBody, Func<IReadOnlyList<Click>, TAccepted> accepted)
    {
        var telemetry = ingest.Telemetry;
        if (!ingest.Request.HasJsonContentType())
        {
            telemetry.Rejected("unsupported-media-type");
            return UnsupportedMediaType();
        }

        var body = await readBody();
        if (body.Reason is { } reason)
        {
            telemetry.Rejected(reason);
            return body.Errors is { } errors
                ? TypedResults.ValidationProblem(errors, body.Detail)
                : TypedResults.Problem(body.Detail, statusCode: StatusCodes.Status400BadRequest, title: body.Title);
        }

        await ingest.Stager.StageAsync(body.Clicks);
        telemetry.Accepted(body.Clicks.Count);
        return TypedResults.Accepted((string?)null, accepted(body.Clicks));
    }

    private static ProblemHttpResult UnknownStream(StreamRoute route, IngestTelemetry telemetry)
    {
        telemetry.Rejected("unknown-stream");
        return route.UnknownStream();
    }

    private static ProblemHttpResult UnsupportedMediaType() =>
        TypedResults.Problem("Send the click as JSON with Content-Type: application/json.",
            statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type");
}
