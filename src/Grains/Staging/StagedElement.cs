using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace ClickOrleans.Staging;

/// <summary>
/// The format of one element on a staging list: compact JSON <c>{"id":..,"uid":..,"pid":..,"ts":&lt;unix ms&gt;}</c>.
/// The original producers' <c>{"uid":..,"pid":..}</c> is accepted too; unknown properties are ignored.
/// </summary>
public static class StagedElement
{
    private static readonly JsonEncodedText IdName = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText UidName = JsonEncodedText.Encode("uid");
    private static readonly JsonEncodedText PidName = JsonEncodedText.Encode("pid");
    private static readonly JsonEncodedText TsName = JsonEncodedText.Encode("ts");

    public static void Write(Utf8JsonWriter writer, in Click click)
    {
        writer.WriteStartObject();
        writer.WriteString(IdName, click.Id);
        writer.WriteNumber(UidName, click.Uid);
        writer.WriteNumber(PidName, click.Pid);
        writer.WriteNumber(TsName, click.TimestampMs);
        writer.WriteEndObject();
    }

    /// <summary>Parses one element; never throws.</summary>
    /// <param name="privateList">The private list the element was read from: the seed of its id when it has none.</param>
    /// <param name="position">The element's position in that list, oldest first.</param>
    /// <param name="drainTimeMs">The timestamp given to an element that has none.</param>
    /// <param name="error">Why the element was rejected.</param>
    public static bool TryParse(
        ReadOnlySpan<byte> utf8,
        string privateList,
        long position,
        long drainTimeMs,
        out Click click,
        out string? error)
    {
        click = default;
        try
        {
            return TryRead(utf8, privateList, position, drainTimeMs, out click, out error);
        }
        catch (JsonException e)
        {
            error = "malformed JSON: " + e.Message;
            return false;
        }
        catch (InvalidOperationException e)
        {
            error = "malformed element: " + e.Message;
            return false;
        }
    }

    private static bool TryRead(
        ReadOnlySpan<byte> utf8, string privateList, long position, long drainTimeMs, out Click click, out string? error)
    {
        click = default;
        var reader = new Utf8JsonReader(utf8);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            error = "not a JSON object";
            return false;
        }

        string? id = null;
        long? uid = null, pid = null, ts = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(IdName.EncodedUtf8Bytes))
            {
                reader.Read();
                id = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                if (id is null || !ClickId.IsValid(id))
                {
                    error = $"id must be a string of 1 to {ClickId.MaxLength} characters without control characters";
                    return false;
                }
            }
            else if (reader.ValueTextEquals(UidName.EncodedUtf8Bytes))
            {
                if (!TryReadId(ref reader, out uid))
                {
                    error = "uid must be an integer from 0 to 2^63-1";
                    return false;
                }
            }
            else if (reader.ValueTextEquals(PidName.EncodedUtf8Bytes))
            {
                if (!TryReadId(ref reader, out pid))
                {
                    error = "pid must be an integer from 0 to 2^63-1";
                    return false;
                }
            }
            else if (reader.ValueTextEquals(TsName.EncodedUtf8Bytes))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value))
                {
                    error = "ts must be an integer (Unix milliseconds)";
                    return false;
                }

                ts = value;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // The loop ended on the object's end; reading past it makes the reader throw on any trailing data.
        reader.Read();

        if (uid is null || pid is null)
        {
            error = uid is null ? "uid is missing" : "pid is missing";
            return false;
        }

        click = new Click(id ?? ClickId.FromPosition(privateList, position), uid.Value, pid.Value, ts ?? drainTimeMs);
        error = null;
        return true;
    }

    // Producers written in loosely typed languages push ids as numbers or as digit strings; both are fine.
    private static bool TryReadId(ref Utf8JsonReader reader, out long? value)
    {
        reader.Read();
        value = reader.TokenType switch
        {
            JsonTokenType.Number when reader.TryGetInt64(out var number) => number,
            JsonTokenType.String when !reader.ValueIsEscaped
                && Utf8Parser.TryParse(reader.ValueSpan, out long number, out var consumed)
                && consumed == reader.ValueSpan.Length => number,
            _ => null,
        };
        return value >= 0;
    }
}
