using System.Text.Json;
using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>An element a drain could not parse: why, where it sat, and the element itself (as UTF-8 text).</summary>
public sealed record DeadLetter(string Reason, string Source, long Position, string Element)
{
    public RedisValue ToRedisValue() => JsonSerializer.SerializeToUtf8Bytes(this, StagingJsonContext.Default.DeadLetter);

    /// <summary>Reads a dead letter; one that is not in this format (pushed by hand) is kept whole as its element.</summary>
    public static DeadLetter Read(RedisValue value)
    {
        try
        {
            return JsonSerializer.Deserialize(((ReadOnlyMemory<byte>)value).Span, StagingJsonContext.Default.DeadLetter)
                ?? Unknown(value);
        }
        catch (JsonException)
        {
            return Unknown(value);
        }
    }

    private static DeadLetter Unknown(RedisValue value) => new("not a dead letter written by a drain", "", -1, (string?)value ?? "");
}
