using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>
/// An element a drain could not write: why, where it sat, and the element itself as UTF-8 text. An element that is not
/// valid UTF-8 also keeps its exact bytes in <paramref name="ElementBase64"/>, so a replay restores it byte for byte.
/// </summary>
public sealed record DeadLetter(string Reason, string Source, long Position, string Element, string? ElementBase64 = null)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>A dead letter for the element at <paramref name="position"/> of <paramref name="source"/>.</summary>
    public static DeadLetter Of(string reason, string source, long position, ReadOnlySpan<byte> element)
    {
        try
        {
            return new DeadLetter(reason, source, position, StrictUtf8.GetString(element));
        }
        catch (DecoderFallbackException)
        {
            return new DeadLetter(reason, source, position, Encoding.UTF8.GetString(element), Convert.ToBase64String(element));
        }
    }

    public RedisValue ToRedisValue() => JsonSerializer.SerializeToUtf8Bytes(this, StagingJsonContext.Default.DeadLetter);

    /// <summary>The element as it was pushed (for a replay; not part of the letter's JSON).</summary>
    [JsonIgnore]
    public RedisValue ElementValue => ElementBase64 is null ? Element : Convert.FromBase64String(ElementBase64);

    /// <summary>Reads a dead letter; one that is not in this format (pushed by hand) is kept whole as its element.</summary>
    public static DeadLetter Read(RedisValue value)
    {
        try
        {
            // JSON of another shape reads as a letter without an element: kept whole too, never replayed as nothing.
            return JsonSerializer.Deserialize(((ReadOnlyMemory<byte>)value).Span, StagingJsonContext.Default.DeadLetter) is { Element: not null } letter
                ? letter
                : Unknown(value);
        }
        catch (JsonException)
        {
            return Unknown(value);
        }
    }

    private static DeadLetter Unknown(RedisValue value) => new("not a dead letter written by a drain", "", -1, (string?)value ?? "");
}
