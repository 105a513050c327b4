using System.Buffers;
using System.Text.Json;

namespace ClickOrleans.Api.Ingest;

/// <summary>
/// Reads an ingest request body into events to stage — one event, or a JSON array of them — or into the reason it was
/// refused; never throws for bad input. The body (at most <c>Clicks:MaxRequestBytes</c>, Kestrel's limit) is read into
/// one pooled buffer; each element is checked as JSON, then handed as its bytes to its stream's rules.
/// </summary>
/// <param name="Noun">What the events are called in the answers: <c>click</c> or <c>event</c>.</param>
internal sealed record IngestBody(EventValidator Validator, string Noun)
{
    public async Task<ParsedBody> ReadOneAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = await RequestBuffer.ReadAsync(body, cancellationToken);
        try
        {
            var reader = new Utf8JsonReader(buffer.Data);
            reader.Read();
            reader.Skip();
            reader.Read(); // past the value: throws on anything but whitespace
        }
        catch (JsonException e)
        {
            return ParsedBody.Malformed(e, "a " + Noun);
        }

        var errors = new Dictionary<string, string[]>();
        return Validator.TryValidate(buffer.Data, "", errors, out var validated)
            ? ParsedBody.Accepted([validated])
            : ParsedBody.Invalid(errors, $"The {Noun} is invalid; nothing was staged.");
    }

    public async Task<ParsedBody> ReadBatchAsync(Stream body, int maxBatch, CancellationToken cancellationToken)
    {
        using var buffer = await RequestBuffer.ReadAsync(body, cancellationToken);
        var events = new List<EventToStage>();
        var errors = new Dictionary<string, string[]>();
        var invalid = new List<int>();
        var index = 0;
        try
        {
            var reader = new Utf8JsonReader(buffer.Data);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                throw new JsonException($"A batch is a JSON array of {Noun}s.");
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (index == maxBatch)
                {
                    return ParsedBody.Refused("Batch too large", $"A batch carries at most {maxBatch} {Noun}s (Clicks:MaxBatch); nothing was staged.");
                }

                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                if (Validator.TryValidate(buffer.Data[start..(int)reader.BytesConsumed], $"[{index}].", errors, out var validated))
                {
                    events.Add(validated);
                }
                else
                {
                    invalid.Add(index);
                }

                index++;
            }

            reader.Read(); // past the array: throws on anything but whitespace
        }
        catch (JsonException e)
        {
            return ParsedBody.Malformed(e, "a batch of " + Noun + "s");
        }

        if (index == 0)
        {
            return ParsedBody.Refused("Empty batch", $"The batch is empty; send a JSON array of 1 or more {Noun}s.");
        }

        return invalid.Count == 0
            ? ParsedBody.Accepted(events)
            : ParsedBody.Invalid(errors, $"{char.ToUpperInvariant(Noun[0])}{Noun[1..]}s at indexes {string.Join(", ", invalid)} are invalid; nothing was staged.");
    }

    /// <summary>A request body in a rented buffer, returned when disposed.</summary>
    private sealed class RequestBuffer : IDisposable
    {
        private byte[] _bytes = ArrayPool<byte>.Shared.Rent(16 * 1024);
        private int _length;

        public ReadOnlySpan<byte> Data => _bytes.AsSpan(0, _length);

        public static async Task<RequestBuffer> ReadAsync(Stream body, CancellationToken cancellationToken)
        {
            var buffer = new RequestBuffer();
            int read;
            while ((read = await body.ReadAsync(buffer._bytes.AsMemory(buffer._length), cancellationToken)) > 0)
            {
                buffer._length += read;
                if (buffer._length == buffer._bytes.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer._bytes.Length * 2);
                    buffer._bytes.AsSpan(0, buffer._length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer._bytes);
                    buffer._bytes = larger;
                }
            }

            return buffer;
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_bytes);
    }
}
