using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ClickOrleans.Api.Ingest;

/// <summary>Checks one element of a request and makes it an event to stage, or adds what is wrong to the errors.</summary>
/// <param name="field">Prefix for error keys: empty for a single event, <c>[i].</c> for element i of a batch.</param>
internal delegate bool EventValidation<in TRequest, TEvent>(TRequest? request, string field, IDictionary<string, string[]> errors, out TEvent validated);

/// <summary>
/// Reads an ingest request body into events — clicks, or a declared stream's — or into the reason it was refused;
/// never throws for bad input. The batch is streamed, so an oversized one is refused after <c>MaxBatch + 1</c>
/// elements, not after buffering it.
/// </summary>
/// <param name="Noun">What the events are called in the answers: <c>click</c> or <c>event</c>.</param>
internal sealed record IngestBody<TRequest, TEvent>(JsonTypeInfo<TRequest> Type, EventValidation<TRequest, TEvent> Validate, string Noun)
{
    public async Task<ParsedBody<TEvent>> ReadOneAsync(Stream body, CancellationToken cancellationToken)
    {
        TRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(body, Type, cancellationToken);
        }
        catch (JsonException e)
        {
            return ParsedBody<TEvent>.Malformed(e, "a " + Noun);
        }

        var errors = new Dictionary<string, string[]>();
        return Validate(request, "", errors, out var validated)
            ? ParsedBody<TEvent>.Accepted([validated])
            : ParsedBody<TEvent>.Invalid(errors, $"The {Noun} is invalid; nothing was staged.");
    }

    public async Task<ParsedBody<TEvent>> ReadBatchAsync(Stream body, int maxBatch, CancellationToken cancellationToken)
    {
        var events = new List<TEvent>();
        var errors = new Dictionary<string, string[]>();
        var invalid = new List<int>();
        var index = 0;
        try
        {
            await foreach (var element in JsonSerializer.DeserializeAsyncEnumerable(body, Type, cancellationToken))
            {
                if (index == maxBatch)
                {
                    return ParsedBody<TEvent>.Refused("Batch too large", $"A batch carries at most {maxBatch} {Noun}s (Clicks:MaxBatch); nothing was staged.");
                }

                if (Validate(element, $"[{index}].", errors, out var validated))
                {
                    events.Add(validated);
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
            return ParsedBody<TEvent>.Malformed(e, "a " + Noun);
        }

        if (index == 0)
        {
            return ParsedBody<TEvent>.Refused("Empty batch", $"The batch is empty; send a JSON array of 1 or more {Noun}s.");
        }

        return invalid.Count == 0
            ? ParsedBody<TEvent>.Accepted(events)
            : ParsedBody<TEvent>.Invalid(errors, $"{char.ToUpperInvariant(Noun[0])}{Noun[1..]}s at indexes {string.Join(", ", invalid)} are invalid; nothing was staged.");
    }
}
