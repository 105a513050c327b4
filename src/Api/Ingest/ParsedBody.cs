using System.Text.Json;

namespace ClickOrleans.Api.Ingest;

/// <summary>
/// The outcome of reading an ingest body: the events to stage, or why not — a reason (the rejection metric's tag), a
/// title, a detail and, for invalid events, the errors per field.
/// </summary>
internal sealed record ParsedBody(
    IReadOnlyList<EventToStage> Events, string? Reason, string? Title, string? Detail, Dictionary<string, string[]>? Errors)
{
    public bool IsAccepted => Reason is null;

    public static ParsedBody Accepted(IReadOnlyList<EventToStage> events) => new(events, null, null, null, null);

    public static ParsedBody Invalid(Dictionary<string, string[]> errors, string detail) =>
        new([], "invalid", "One or more validation errors occurred.", detail, errors);

    public static ParsedBody Refused(string title, string detail) => new([], "refused", title, detail, null);

    public static ParsedBody Malformed(JsonException e, string what) =>
        new([], "malformed", "Malformed JSON", $"The body is not valid JSON for {what}: {e.Message} Nothing was staged.", null);
}
