using System.Globalization;
using ClickOrleans.Staging;
using Microsoft.AspNetCore.Diagnostics;

namespace ClickOrleans.Api.Hosting;

/// <summary>
/// Redis or the Orleans cluster out of reach, or a backlog at <c>Clicks:MaxBacklog</c> or <c>Clicks:MaxClientIds</c> → 503 problem details with
/// Retry-After, so clients retry; never a 2xx for a click that was not staged. Staging names its failures with its own
/// exception types (<see cref="StagingFailures"/>): this maps types, it reads no Redis error.
/// </summary>
internal sealed class UnavailableExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    // A push that Redis did not answer in time may still be applied (a Redis stopped or forking gets it when it goes on).
    private const string MaybeStaged =
        "The clicks may or may not be staged: retry later with the same ids, which are then kept once; a click retried without an id may be kept twice.";

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (title, what, retryAfter) = exception switch
        {
            // The drain frees the backlog at its own pace: a client that waits a few seconds is likelier to get through.
            BacklogFullException e => ("Backlog full", e.Message + " Retry later.", "5"),
            ClientIdsFullException e => ("Client ids full", e.Message + " Retry later.", Math.Max(1, (int)Math.Ceiling(e.Until.TotalSeconds)).ToString(CultureInfo.InvariantCulture)),
            _ => ("Service unavailable", Unavailable(exception) is { } reason ? reason + ". " + MaybeStaged : null, "1"),
        };
        if (what is null)
        {
            return false;
        }

        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = retryAfter;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = title,
                Detail = what,
            },
        });
    }

    private static string? Unavailable(Exception exception) =>
        exception switch
        {
            StagingUnavailableException e => e.Message,
            StagingNotReplicatedException e => e.Message[..^1],
            SiloUnavailableException or OrleansMessageRejectionException => "The Orleans cluster cannot be reached",
            TimeoutException => "The Orleans cluster did not answer in time",
            _ => null,
        };
}
