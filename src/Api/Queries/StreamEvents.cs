using System.Buffers;
using System.Text.Json;
using ClickOrleans.Streams;

namespace ClickOrleans.Api.Queries;

/// <summary>
/// A declared stream's events in [From, To), newest first: each a JSON object of its <c>id</c>, <c>ts</c>, every
/// declared field (null where absent) and, for a stream that keeps them, <c>extra</c> (its kept properties, or null).
/// </summary>
public sealed record StreamEvents(string Stream, DateTimeOffset From, DateTimeOffset To, DimensionValue[] Filters, JsonElement[] Events)
{
    public static StreamEvents Of(StreamSchema stream, DateTimeOffset from, DateTimeOffset to, DimensionValue[] filters, StoredEvent[] events) =>
        new(stream.Name, from, to, filters, [.. events.Select(stored => Json(stream, stored))]);

    private static JsonElement Json(StreamSchema stream, StoredEvent stored)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", stored.Id);
            writer.WriteString("ts", stored.Ts);
            for (var i = 0; i < stored.Values.Length; i++)
            {
                var field = stream.Fields[i + 2];
                writer.WritePropertyName(field.Name);
                switch (stored.Values[i])
                {
                    case null:
                        writer.WriteNullValue();
                        break;
                    case long ms when field.Type == FieldType.Timestamp:
                        writer.WriteStringValue(DateTimeOffset.FromUnixTimeMilliseconds(ms));
                        break;
                    case long number:
                        writer.WriteNumberValue(number);
                        break;
                    case double number:
                        writer.WriteNumberValue(number);
                        break;
                    case decimal exact:
                        writer.WriteNumberValue(exact);
                        break;
                    case bool flag:
                        writer.WriteBooleanValue(flag);
                        break;
                    case Guid uuid:
                        writer.WriteStringValue(uuid);
                        break;
                    case var text:
                        writer.WriteStringValue(Convert.ToString(text, System.Globalization.CultureInfo.InvariantCulture));
                        break;
                }
            }

            if (stream.Extra == ExtraProperties.Keep)
            {
                writer.WritePropertyName("extra");
                if (stored.Extra is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    writer.WriteRawValue(stored.Extra);
                }
            }

            writer.WriteEndObject();
        }

        return JsonDocument.Parse(buffer.WrittenMemory).RootElement.Clone();
    }
}
