using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Api.Ingest;

/// <summary>The ingest endpoints: validate, stage with one LPUSH, answer 202 only once Redis acknowledged.</summary>
/// <remarks>The write path calls no grain (but a one-way poke), so ingest keeps working while silos restart.</remarks>
public static class ClicksApi
{
    public static RouteGroupBuilder MapClicksApi(this IEndpointRouteBuilder app)
    {
        var clicks = app.MapGroup("/clicks")
            .WithTags("Clicks")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        clicks.MapPost("/", StageClick)
            .WithSummary("Stage one click")
            .WithDescription("202 once Redis acknowledged the push. A client-given id makes a retry idempotent end to end.")
            .Accepts<ClickRequest>("application/json");
        clicks.MapPost("/batch", StageBatch)
            .WithSummary("Stage a batch of clicks with one atomic LPUSH")
            .WithDescription("Any invalid element rejects the whole batch with the bad indexes; nothing is staged.")
            .Accepts<ClickRequest[]>("application/json");
        return clicks;
    }

    private static async Task<Results<Accepted<ClickAccepted>, ValidationProblem, ProblemHttpResult>> StageClick(
        HttpRequest request, ClickStager stager, IngestTelemetry telemetry, TimeProvider time, IOptions<IngestOptions> options,
        CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return Refuse(telemetry, UnsupportedMediaType());
        }

        var body = await ClickBody.ReadClickAsync(request.Body, new ClickValidator(time.GetUtcNow(), options.Value), cancellationToken);
        if (!body.IsAccepted)
        {
            return Refuse<Accepted<ClickAccepted>>(telemetry, body);
        }

        await stager.StageAsync(body.Clicks);
        telemetry.Accepted(1);
        return TypedResults.Accepted((string?)null, new ClickAccepted(body.Clicks[0].Id));
    }

    private static async Task<Results<Accepted<BatchAccepted>, ValidationProblem, ProblemHttpResult>> StageBatch(
        HttpRequest request, ClickStager stager, IngestTelemetry telemetry, TimeProvider time, IOptions<IngestOptions> options,
        CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return Refuse(telemetry, UnsupportedMediaType());
        }

        var validator = new ClickValidator(time.GetUtcNow(), options.Value);
        var body = await ClickBody.ReadBatchAsync(request.Body, validator, options.Value.MaxBatch, cancellationToken);
        if (!body.IsAccepted)
        {
            return Refuse<Accepted<BatchAccepted>>(telemetry, body);
        }

        await stager.StageAsync(body.Clicks);
        telemetry.Accepted(body.Clicks.Count);
        return TypedResults.Accepted((string?)null, new BatchAccepted(body.Clicks.Count));
    }

    private static ProblemHttpResult Refuse(IngestTelemetry telemetry, ProblemHttpResult problem)
    {
        telemetry.Rejected("unsupported-media-type");
        return problem;
    }

    private static Results<TAccepted, ValidationProblem, ProblemHttpResult> Refuse<TAccepted>(IngestTelemetry telemetry, ParsedBody body)
        where TAccepted : IResult
    {
        if (body.Errors is { } errors)
        {
            telemetry.Rejected("invalid");
            return TypedResults.ValidationProblem(errors, body.Detail);
        }

        telemetry.Rejected(body.Title == "Malformed JSON" ? "malformed" : "refused");
        return TypedResults.Problem(body.Detail, statusCode: StatusCodes.Status400BadRequest, title: body.Title);
    }

    private static ProblemHttpResult UnsupportedMediaType() =>
        TypedResults.Problem("Send the click as JSON with Content-Type: application/json.",
            statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type");
}
