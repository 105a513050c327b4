using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ClickOrleans.Streams;

namespace ClickOrleans.Api.Ingest;

/// <summary>A click's <c>ts</c> as <see cref="Rfc3339"/> reads it.</summary>
internal sealed class Rfc3339Converter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && Rfc3339.TryParse(reader.GetString(), out var time)
            ? time
            : throw new JsonException($"ts must be {Rfc3339.Rule}.");

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString("O", CultureInfo.InvariantCulture));
}
