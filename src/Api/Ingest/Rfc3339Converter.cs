using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClickOrleans.Api.Ingest;

/// <summary>
/// A click's <c>ts</c> as RFC 3339 demands it: a date, a time and an offset (<c>Z</c> or <c>±hh:mm</c>). A time
/// without an offset is refused rather than read in the Api host's own time zone.
/// </summary>
internal sealed class Rfc3339Converter : JsonConverter<DateTimeOffset>
{
    private static readonly string[] Formats = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String && reader.GetString() is { } text && HasOffset(text)
            && DateTimeOffset.TryParseExact(text.ToUpperInvariant(), Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return time;
        }

        throw new JsonException("ts must be an RFC 3339 time with its offset (Z or ±hh:mm), e.g. 2026-12-01T07:00:00Z.");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString("O", CultureInfo.InvariantCulture));

    private static bool HasOffset(string text) =>
        text.EndsWith('Z') || text.EndsWith('z')
        || (text.Length > 6 && text[^6] is '+' or '-' && char.IsAsciiDigit(text[^5]) && char.IsAsciiDigit(text[^4]) && text[^3] == ':');
}
