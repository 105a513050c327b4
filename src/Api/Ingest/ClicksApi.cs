using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Api.Ingest;

/// <summary>The ingest endpoints: validate, stage with one LPUSH, answer 202 only once Redis acknowledged.</summary>
/// <remarks>The write path calls no grain, so ingest keeps working while silos restart.</remarks>
public static class ClicksApi
{
    public static IEndpointRouteBuilder MapClicksApi(this IEndpointRouteBuilder app)
    {
        var clicks = app.MapGroup("/clicks")
            .WithTags("Clicks")
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
        return app;
    }

    private static async Task<Results<Accepted<ClickAccepted>, ValidationProblem, ProblemHttpResult>> StageClick(
        HttpRequest request, ClickStager stager, IngestTelemetry telemetry, TimeProvider time, CancellationToken cancellationToken)
    {
        var result = await ParseAndStageClickAsync(request, stager, time, cancellationToken);
        Count(result.Result, telemetry, accepted: 1);
        return result;
    }

    private static async Task<Results<Accepted<BatchAccepted>, ValidationProblem, ProblemHttpResult>> StageBatch(
        HttpRequest request, ClickStager stager, IngestTelemetry telemetry, TimeProvider time, IOptions<IngestOptions> options,
        CancellationToken cancellationToken)
    {
        var result = await ParseAndStageBatchAsync(request, stager, time, options.Value.MaxBatch, cancellationToken);
        Count(result.Result, telemetry, accepted: (result.Result as Accepted<BatchAccepted>)?.Value?.Accepted ?? 0);
        return result;
    }

    private static void Count(IResult result, IngestTelemetry telemetry, int accepted)
    {
        if (result is IStatusCodeHttpResult { StatusCode: StatusCodes.Status202Accepted })
        {
            telemetry.Accepted(accepted);
        }
        else
        {
            telemetry.Rejected(result is IStatusCodeHttpResult { StatusCode: { } status } ? status.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unknown");
        }
    }

    private static async Task<Results<Accepted<ClickAccepted>, ValidationProblem, ProblemHttpResult>> ParseAndStageClickAsync(
        HttpRequest request, ClickStager stager, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return UnsupportedMediaType();
        }

        ClickRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync(request.Body, ApiJsonContext.Default.ClickRequest, cancellationToken);
        }
        catch (JsonException e)
        {
            return MalformedJson(e);
        }

        var errors = new Dictionary<string, string[]>();
        if (!ClickValidator.TryValidate(body, "", time.GetUtcNow(), errors, out var click))
        {
            return TypedResults.ValidationProblem(errors, "The click is invalid; nothing was staged.");
        }

        await stager.StageAsync([click]);
        return TypedResults.Accepted((string?)null, new ClickAccepted(click.Id));
    }

    private static async Task<Results<Accepted<BatchAccepted>, ValidationProblem, ProblemHttpResult>> ParseAndStageBatchAsync(
        HttpRequest request, ClickStager stager, TimeProvider time, int maxBatch, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return UnsupportedMediaType();
        }

        var now = time.GetUtcNow();
        var clicks = new List<Click>();
        var errors = new Dictionary<string, string[]>();
        var index = 0;
        try
        {
            // Streamed, so an oversized batch is refused after MaxBatch + 1 elements, not after buffering it all.
            await foreach (var element in JsonSerializer.DeserializeAsyncEnumerable(
                request.Body, ApiJsonContext.Default.ClickRequest, cancellationToken))
            {
                if (index == maxBatch)
                {
                    return TypedResults.Problem(
                        $"A batch carries at most {maxBatch} clicks (Clicks:MaxBatch); nothing was staged.",
                        statusCode: StatusCodes.Status400BadRequest, title: "Batch too large");
                }

                if (ClickValidator.TryValidate(element, $"[{index}].", now, errors, out var click))
                {
                    clicks.Add(click);
                }

                index++;
            }
        }
        catch (JsonException e)
        {
            return MalformedJson(e);
        }

        if (index == 0)
        {
            return TypedResults.Problem("The batch is empty; send a JSON array of 1 or more clicks.",
                statusCode: StatusCodes.Status400BadRequest, title: "Empty batch");
        }

        if (errors.Count > 0)
        {
            var badIndexes = errors.Keys.Select(key => key[1..key.IndexOf(']')]).Distinct();
            return TypedResults.ValidationProblem(errors,
                $"Clicks at indexes {string.Join(", ", badIndexes)} are invalid; nothing was staged.");
        }

        await stager.StageAsync(clicks);
        return TypedResults.Accepted((string?)null, new BatchAccepted(clicks.Count));
    }

    private static ProblemHttpResult UnsupportedMediaType() =>
        TypedResults.Problem("Send the click as JSON with Content-Type: application/json.",
            statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type");

    private static ProblemHttpResult MalformedJson(JsonException e) =>
        TypedResults.Problem($"The body is not valid JSON for a click: {e.Message} Nothing was staged.",
            statusCode: StatusCodes.Status400BadRequest, title: "Malformed JSON");
}
