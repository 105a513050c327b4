using Microsoft.AspNetCore.Diagnostics;

namespace ClickOrleans.Api.Hosting;

/// <summary>
/// Requests Kestrel refuses while reading them (a body over <c>Clicks:MaxRequestBytes</c> → 413, a broken
/// chunked body → 400) get problem details with Kestrel's own status, not a 500.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        context.Response.StatusCode = badRequest.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = badRequest.StatusCode,
                Title = badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request",
                Detail = badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? "The body is larger than Clicks:MaxRequestBytes allows; nothing was staged. Send smaller batches."
                    : badRequest.Message + " Nothing was staged.",
            },
        });
    }
}
