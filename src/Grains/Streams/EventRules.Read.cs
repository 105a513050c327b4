using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using ClickOrleans.Staging;

namespace ClickOrleans.Streams;

public sealed partial class EventRules
{
    internal const string ObjectRule = "must be a JSON object";

    internal const string NameRule = "has a property name that is not valid Unicode (an unpaired surrogate)";

    internal const string UnicodeRule = "must be valid Unicode (no unpaired surrogate)";

    // JSON may escape U+0000 (\u0000), which no PostgreSQL text holds (SQLite's would): refused on every store alike.
    internal const string NulRule = "must not hold the character U+0000 (no PostgreSQL text holds it)";

    private const string StagedTimestampRule = "must be an integer (Unix milliseconds)";

    // Times from 1970 on: earlier ones are producer bugs (a zero-based clock), and SQLite stores milliseconds since 1970.
    // Up to the end of 9999, the last time .NET and PostgreSQL's COPY both hold: a later one would fail the write.
    private static readonly long LatestTimestampMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    /// <summary>
    /// Reads one event into the row being filled of <paramref name="rows"/> (row <see cref="EventRows.Count"/>, kept
    /// only once the caller adds it); every problem goes to <paramref name="errors"/> as (property, what is wrong), in
    /// the order of the properties, the required fields that are missing last. Never throws for bad input.
    /// </summary>
    /// <param name="staged">As the staging list holds it (<c>ts</c> in Unix milliseconds), not as the Api receives it.</param>
    /// <returns>Whether the event is valid.</returns>
    public bool TryRead(ReadOnlySpan<byte> utf8, bool staged, EventRows rows, List<(string Property, string Error)> errors, out ReadEvent read)
    {
        errors.Clear();
        read = default;
        var row = rows.Count;
        rows.Present.AsSpan(row * Shape.Fields, Shape.Fields).Clear();
        if (Shape.KeepsExtra)
        {
            rows.Extra[row] = null;
        }

        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                errors.Add(("$", ObjectRule));
                return false;
            }

            ReadProperties(ref reader, staged, rows, row, errors, ref read);

            // The loop ended on the object's end; reading past it makes the reader throw on any trailing data.
            reader.Read();
        }
        catch (JsonException e)
        {
            errors.Clear();
            errors.Add(("$", "malformed JSON: " + e.Message));
        }

        return errors.Count == 0;
    }

    /// <summary>What a dead letter says of the first problem of an element.</summary>
    public static string Reason((string Property, string Error) error) => error switch
    {
        ("$", ObjectRule) => "not a JSON object",
        ("$", var whole) => whole,
        var (property, what) => $"{property} {what}",
    };

    private void ReadProperties(ref Utf8JsonReader reader, bool staged, EventRows rows, int row, List<(string Property, string Error)> errors, ref ReadEvent read)
    {
        Span<bool> seen = _utf8Names.Length <= 256 ? stackalloc bool[_utf8Names.Length] : new bool[_utf8Names.Length];
        KeptProperties? kept = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var slot = Match(ref reader);
            if (slot == Unknown && staged && Stream.Extra == ExtraProperties.IgnoreWhenStaged)
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            string? unknown = null;
            if (slot == Unreadable || (slot == Unknown && !TryGetString(ref reader, out unknown)))
            {
                errors.Add(("$", NameRule));
                reader.Read();
                reader.Skip();
                continue;
            }

            if (unknown is not null)
            {
                reader.Read();
                if (Stream.Extra == ExtraProperties.Keep)
                {
                    if ((kept ??= new KeptProperties()).Add(unknown, JsonElement.ParseValue(ref reader)) is { } keptError)
                    {
                        errors.Add((unknown, keptError));
                    }
                }
                else
                {
                    errors.Add((unknown, $"is not a field of the stream '{Stream.Name}' (GET /streams/{Stream.Name} lists them)"));
                    reader.Skip();
                }

                continue;
            }

            var name = Stream.Fields[slot].Name;
            reader.Read();
            if (seen[slot])
            {
                errors.Add((name, "appears more than once"));
                reader.Skip();
                continue;
            }

            seen[slot] = true;
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            var error = slot switch
            {
                IdSlot => ReadId(ref reader, staged, ref read),
                TsSlot => ReadTimestamp(ref reader, staged, out var ms) ? Set(ref read, ms) : staged ? StagedTimestampRule : $"must be {Rfc3339.Rule}",
                _ => ReadField(ref reader, slot - FirstDeclared, staged, rows, row),
            };
            if (error is not null)
            {
                errors.Add((name, error));
                reader.Skip();
            }
        }

        for (var i = 0; i < _declared.Length; i++)
        {
            // A field given with a wrong value has its error already; one absent or null is missing.
            if (_declared[i].Required && !rows.Has(row, i) && !HasError(errors, _declared[i].Name))
            {
                errors.Add((_declared[i].Name, "is required"));
            }
        }

        if (kept is not null && Shape.KeepsExtra)
        {
            rows.Extra[row] = kept.ToJson();
        }

        static string? Set(ref ReadEvent read, long ms)
        {
            read = read with { TimestampMs = ms };
            return null;
        }
    }

    private static bool HasError(List<(string Property, string Error)> errors, string property)
    {
        foreach (var (name, _) in errors)
        {
            if (name == property)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The slot of the property name the reader is on: id, ts, then the declared fields; <see cref="Unknown"/> for
    /// another name, <see cref="Unreadable"/> for a name that is not valid Unicode.
    /// </summary>
    private int Match(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            var name = reader.ValueSpan;
            for (var i = 0; i < _utf8Names.Length; i++)
            {
                if (name.SequenceEqual(_utf8Names[i]))
                {
                    return i;
                }
            }

            return Unknown;
        }

        if (!TryGetString(ref reader, out var unescaped))
        {
            return Unreadable;
        }

        for (var i = 0; i < _utf8Names.Length; i++)
        {
            if (unescaped == Stream.Fields[i].Name)
            {
                return i;
            }
        }

        return Unknown;
    }

    private const int Unknown = -1, Unreadable = -2;

    // Staged: the Api's own ids (32 lower-case hex digits) are read without a string; anything else is the client's own id.
    private static string? ReadId(ref Utf8JsonReader reader, bool staged, ref ReadEvent read)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return "must be a string of " + ClickRules.IdRule;
        }

        if (staged && !reader.ValueIsEscaped && ClickId.TryParseHex(reader.ValueSpan, out var apiId))
        {
            read = read with { ApiId = apiId };
            return null;
        }

        if (!TryGetString(ref reader, out var id))
        {
            return "must be a string of " + ClickRules.IdRule + ": it is not valid Unicode (invalid UTF-8 or an unpaired surrogate)";
        }

        if (!ClickRules.IsValidId(id))
        {
            return "must be a string of " + ClickRules.IdRule;
        }

        read = read with { Id = id };
        return null;
    }

    private bool ReadTimestamp(ref Utf8JsonReader reader, bool staged, out long ms)
    {
        ms = 0;
        if (staged)
        {
            return ReadInteger(ref reader, staged, out ms);
        }

        if (reader.TokenType != JsonTokenType.String || !TryGetString(ref reader, out var text) || !Rfc3339.TryParse(text, out var time))
        {
            return false;
        }

        ms = time.ToUnixTimeMilliseconds();
        return ms >= ClickRules.EarliestTimestampMs;
    }

    /// <summary>Reads a declared field's value into its slot of the row; returns what is wrong with it, or null.</summary>
    private string? ReadField(ref Utf8JsonReader reader, int field, bool staged, EventRows rows, int row)
    {
        var error = _declared[field].Type switch
        {
            FieldType.Int64 => ReadInt64(ref reader, field, staged, rows, row),
            FieldType.Float64 => ReadFloat64(ref reader, field, rows, row),
            FieldType.Bool => ReadBool(ref reader, field, rows, row),
            FieldType.String => ReadString(ref reader, field, rows, row),
            FieldType.Timestamp => ReadTimestampField(ref reader, field, staged, rows, row),
            FieldType.Decimal => ReadDecimal(ref reader, field, rows, row),
            _ => ReadUuidField(ref reader, field, rows, row),
        };
        rows.Present[(row * rows.Shape.Fields) + field] = error is null;
        return error;
    }

    private string? ReadInt64(ref Utf8JsonReader reader, int field, bool staged, EventRows rows, int row)
    {
        if (!ReadInteger(ref reader, staged, out var number))
        {
            return "must be an integer from -2^63 to 2^63-1";
        }

        rows.Longs[(row * rows.Shape.Longs) + _slots[field]] = number;
        var (min, max) = _integerBounds[field];
        return number < min || number > max ? Range(_declared[field]) : null;
    }

    private string? ReadFloat64(ref Utf8JsonReader reader, int field, EventRows rows, int row)
    {
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var real) || !double.IsFinite(real))
        {
            return "must be a finite number";
        }

        rows.Doubles[(row * rows.Shape.Doubles) + _slots[field]] = real;
        var (min, max) = _realBounds[field];
        return real < min || real > max ? Range(_declared[field]) : null;
    }

    private string? ReadBool(ref Utf8JsonReader reader, int field, EventRows rows, int row)
    {
        if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
        {
            return "must be true or false";
        }

        rows.Longs[(row * rows.Shape.Longs) + _slots[field]] = reader.TokenType == JsonTokenType.True ? 1 : 0;
        return null;
    }

    private string? ReadString(ref Utf8JsonReader reader, int field, EventRows rows, int row)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return "must be a string";
        }

        if (!TryGetString(ref reader, out var text))
        {
            return UnicodeRule;
        }

        rows.Strings[(row * rows.Shape.Strings) + _slots[field]] = text;
        var maxLength = _declared[field].MaxLength;
        return text.Contains('\0', StringComparison.Ordinal) ? NulRule
            : CodePoints(text) > maxLength ? $"must be at most {maxLength} characters" : null;
    }

    private string? ReadTimestampField(ref Utf8JsonReader reader, int field, bool staged, EventRows rows, int row)
    {
        if (!ReadTimestamp(ref reader, staged, out var ms) || ms < ClickRules.EarliestTimestampMs || ms > LatestTimestampMs)
        {
            return staged ? "must be an integer (Unix milliseconds) from 0 (1970) to 253402300799999 (9999)" : $"must be {Rfc3339.Rule}";
        }

        rows.Longs[(row * rows.Shape.Longs) + _slots[field]] = ms;
        return null;
    }

    private string? ReadDecimal(ref Utf8JsonReader reader, int field, EventRows rows, int row)
    {
        var declared = _declared[field];
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDecimal(out var exact))
        {
            return DigitsRule(declared);
        }

        rows.Decimals[(row * rows.Shape.Decimals) + _slots[field]] = exact;
        return !FitsDigits(exact, declared) ? DigitsRule(declared) : exact < declared.Min || exact > declared.Max ? Range(declared) : null;
    }

    private string? ReadUuidField(ref Utf8JsonReader reader, int field, EventRows rows, int row)
    {
        if (reader.TokenType != JsonTokenType.String || !ReadUuid(ref reader, out var uuid))
        {
            return "must be a UUID: 8-4-4-4-12 hexadecimal digits, as 0f8fad5b-d9cb-469f-a165-70867728950e";
        }

        rows.Uuids[(row * rows.Shape.Uuids) + _slots[field]] = uuid;
        return null;
    }

    // The original producers, written in loosely typed languages, push numbers as numbers or as digit strings; the Api
    // takes numbers only.
    private bool ReadInteger(ref Utf8JsonReader reader, bool staged, out long value)
    {
        value = 0;
        return reader.TokenType switch
        {
            JsonTokenType.Number => reader.TryGetInt64(out value),
            JsonTokenType.String => staged && _seedFormat && !reader.ValueIsEscaped
                && Utf8Parser.TryParse(reader.ValueSpan, out value, out var consumed) && consumed == reader.ValueSpan.Length,
            _ => false,
        };
    }

    private static bool ReadUuid(ref Utf8JsonReader reader, out Guid uuid)
    {
        if (!reader.ValueIsEscaped)
        {
            var text = reader.ValueSpan;
            return Utf8Parser.TryParse(text, out uuid, out var consumed, 'D') && consumed == text.Length;
        }

        uuid = default;
        return TryGetString(ref reader, out var escaped) && Guid.TryParseExact(escaped, "D", out uuid);
    }

    // JSON may escape an unpaired surrogate (\ud800), and a producer may push invalid UTF-8: no string of a store holds either.
    private static bool TryGetString(ref Utf8JsonReader reader, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? text)
    {
        try
        {
            text = reader.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = null;
            return false;
        }
    }

    /// <summary>At most Scale digits after the point and Precision - Scale before it: what numeric(p,s) holds without rounding.</summary>
    private static bool FitsDigits(decimal value, StreamField field)
    {
        var limit = 1m;
        for (var i = 0; i < field.Precision - field.Scale; i++)
        {
            limit *= 10;
        }

        return decimal.Round(value, field.Scale!.Value) == value && Math.Abs(decimal.Truncate(value)) < limit;
    }

    private static string DigitsRule(StreamField field) => string.Create(CultureInfo.InvariantCulture,
        $"must be a number of at most {field.Precision - field.Scale} digits before the point and {field.Scale} after it");

    private static string Range(StreamField field) => (field.Min, field.Max) switch
    {
        ({ } min, { } max) => string.Create(CultureInfo.InvariantCulture, $"must be from {min} to {max}"),
        ({ } min, null) => string.Create(CultureInfo.InvariantCulture, $"must be {min} or more"),
        (null, var max) => string.Create(CultureInfo.InvariantCulture, $"must be {max} or less"),
    };

    private static int CodePoints(string text)
    {
        var count = 0;
        for (var i = 0; i < text.Length; i++, count++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
        }

        return count;
    }
}

/// <summary>What reading an event found besides its declared fields: its id and its time, where it has them.</summary>
/// <param name="Id">A client-given id (at the Api: any id the request gave).</param>
/// <param name="ApiId">On the staging list, the Api's own id (32 lower-case hex digits), read as the UUID it is.</param>
/// <param name="TimestampMs">Its <c>ts</c>, Unix milliseconds.</param>
public readonly record struct ReadEvent(string? Id, Guid? ApiId, long? TimestampMs);
