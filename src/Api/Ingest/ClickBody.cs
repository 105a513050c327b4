using System.Text.Json;

namespace ClickOrleans.Api.Ingest;

/// <summary>
/// Reads an ingest request body into clicks, or into the reason it was refused; never throws for bad input.
/// The batch is streamed, so an oversized one is refused after <c>MaxBatch + 1</c> elements, not after buffering it.
/// </summary>
internal static class ClickBody
{
    public static async Task<ParsedBody> ReadClickAsync(Stream body, ClickValidator validator, CancellationToken cancellationToken)
    {
        ClickRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(body, ApiJsonContext.Default.ClickRequest, cancellationToken);
        }
        catch (JsonException e)
        {
            return ParsedBody.Malformed(e);
        }

        var errors = new Dictionary<string, string[]>();
        return validator.TryValidate(request, "", errors, out var click)
            ? ParsedBody.Accepted([click])
            : ParsedBody.Invalid(errors, "The click is invalid; nothing was staged.");
    }

    public static async Task<ParsedBody> ReadBatchAsync(
        Stream body, ClickValidator validator, int maxBatch, CancellationToken cancellationToken)
    {
        var clicks = new List<Click>();
        var errors = new Dictionary<string, string[]>();
        var invalid = new List<int>();
        var index = 0;
        try
        {
            await foreach (var element in JsonSerializer.DeserializeAsyncEnumerable(body, ApiJsonContext.Default.ClickRequest, cancellationToken))
            {
                if (index == maxBatch)
                {
                    return ParsedBody.Refused("Batch too large", $"A batch carries at most {maxBatch} clicks (Clicks:MaxBatch); nothing was staged.");
                }

                if (validator.TryValidate(element, $"[{index}].", errors, out var click))
                {
                    clicks.Add(click);
                }
                else
                {
                    invalid.Add(index);
                }

                index++;
            }
        }
        catch (JsonException e)
        {
            return ParsedBody.Malformed(e);
        }

        if (index == 0)
        {
            return ParsedBody.Refused("Empty batch", "The batch is empty; send a JSON array of 1 or more clicks.");
        }

        return invalid.Count == 0
            ? ParsedBody.Accepted(clicks)
            : ParsedBody.Invalid(errors, $"Clicks at indexes {string.Join(", ", invalid)} are invalid; nothing was staged.");
    }
}

/// <summary>
/// The outcome of reading a body: the clicks to stage, or why not — a reason (the rejection metric's tag), a title,
/// a detail and, for invalid clicks, the errors per field.
/// </summary>
internal sealed record ParsedBody(
    IReadOnlyList<Click> Clicks, string? Reason, string? Title, string? Detail, Dictionary<string, string[]>? Errors)
{
    public bool IsAccepted => Reason is null;

    public static ParsedBody Accepted(IReadOnlyList<Click> clicks) => new(clicks, null, null, null, null);

    public static ParsedBody Invalid(Dictionary<string, string[]> errors, string detail) =>
        new([], "invalid", "One or more validation errors occurred.", detail, errors);

    public static ParsedBody Refused(string title, string detail) => new([], "refused", title, detail, null);

    public static ParsedBody Malformed(JsonException e) =>
        new([], "malformed", "Malformed JSON", $"The body is not valid JSON for a click: {e.Message} Nothing was staged.", null);
}
