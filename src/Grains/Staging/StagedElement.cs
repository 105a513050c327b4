using System.Buffers.Text;
using System.Text.Json;

namespace ClickOrleans.Staging;

/// <summary>
/// The format of one element on a staging list: compact JSON <c>{"id":..,"uid":..,"pid":..,"ts":&lt;unix ms&gt;}</c>.
/// The original producers' <c>{"uid":..,"pid":..}</c> is accepted too, and so are what loosely typed producers send:
/// numbers as digit strings, <c>"id": null</c> for no id; unknown properties are ignored.
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

    /// <summary>Parses one element against <see cref="ClickRules"/>; never throws.</summary>
    /// <param name="position">The element's position in its private list, oldest first.</param>
    /// <param name="error">Why the element is not a valid click.</param>
    public static bool TryParse(ReadOnlySpan<byte> utf8, in ElementContext context, long position, out StagedClick click, out string? error)
    {
        click = default;
        try
        {
            return TryRead(utf8, context, position, out click, out error);
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

    private static bool TryRead(ReadOnlySpan<byte> utf8, in ElementContext context, long position, out StagedClick click, out string? error)
    {
        click = default;
        var reader = new Utf8JsonReader(utf8);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            error = "not a JSON object";
            return false;
        }

        Guid? eventId = null;
        string? clientId = null;
        long? uid = null, pid = null, ts = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(IdName.EncodedUtf8Bytes))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    eventId = null;
                    clientId = null;
                }
                else if (!TryReadEventId(ref reader, out var id, out clientId, out error))
                {
                    return false;
                }
                else
                {
                    eventId = id;
                }
            }
            else if (reader.ValueTextEquals(UidName.EncodedUtf8Bytes))
            {
                if (!TryReadInteger(ref reader, out uid) || !ClickRules.IsValidNumber(uid.Value))
                {
                    error = "uid must be an integer from 0 to 2^63-1";
                    return false;
                }
            }
            else if (reader.ValueTextEquals(PidName.EncodedUtf8Bytes))
            {
                if (!TryReadInteger(ref reader, out pid) || !ClickRules.IsValidNumber(pid.Value))
                {
                    error = "pid must be an integer from 0 to 2^63-1";
                    return false;
                }
            }
            else if (reader.ValueTextEquals(TsName.EncodedUtf8Bytes))
            {
                if (!TryReadInteger(ref reader, out ts))
                {
                    error = "ts must be an integer (Unix milliseconds)";
                    return false;
                }
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

        var timestamp = ts ?? context.TakenOverAtMs;
        if (!ClickRules.IsValidTimestamp(timestamp, context.LatestTimestampMs))
        {
            error = $"ts must lie from 0 (1970-01-01) to {context.LatestTimestampMs}, Clicks:MaxClockSkew after its list was taken over";
            return false;
        }

        click = new StagedClick(position, eventId ?? ClickId.FromPosition(context.IdSeed, position), clientId, uid.Value, pid.Value, timestamp);
        error = null;
        return true;
    }

    // The Api's own ids (32 lower-case hex digits) are read without a string; anything else is the client's own id.
    private static bool TryReadEventId(ref Utf8JsonReader reader, out Guid eventId, out string? clientId, out string? error)
    {
        eventId = default;
        clientId = null;
        error = null;
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && ClickId.TryParseHex(reader.ValueSpan, out eventId))
        {
            return true;
        }

        string? id;
        try
        {
            id = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        }
        catch (InvalidOperationException)
        {
            error = "id must be a string of " + ClickRules.IdRule + ": it is not valid Unicode (invalid UTF-8 or an unpaired surrogate)";
            return false;
        }

        if (id is null || !ClickRules.IsValidId(id))
        {
            error = "id must be a string of " + ClickRules.IdRule;
            return false;
        }

        clientId = id;
        eventId = ClickId.FromClientId(id);
        return true;
    }

    // Producers written in loosely typed languages push numbers as numbers or as digit strings; both are fine.
    private static bool TryReadInteger(ref Utf8JsonReader reader, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out long? value)
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
        return value is not null;
    }
}

/// <summary>What the drain knows about the private list an element was read from.</summary>
/// <param name="IdSeed">Seeds the ids of elements pushed without one (<see cref="ClickId.SeedOf"/>).</param>
/// <param name="TakenOverAtMs">The time of an element pushed without <c>ts</c>: when its list was taken over.</param>
/// <param name="LatestTimestampMs">The latest plausible click time: the take-over plus <c>Clicks:MaxClockSkew</c>.</param>
public readonly record struct ElementContext(ulong IdSeed, long TakenOverAtMs, long LatestTimestampMs);
