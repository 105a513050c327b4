using System.Globalization;
using System.Text.Json;
using ClickOrleans.Staging;

namespace ClickOrleans.Streams;

/// <summary>
/// What a valid event of a declared stream is, compiled once per schema: the Api checks requests against it and the
/// drain checks what producers pushed, so that every event a sink is given fits its table.
/// </summary>
/// <remarks>
/// Property names are exact (no other case), each at most once; a property the schema does not name is refused. The
/// Api receives <c>ts</c> as an RFC 3339 time; the staging list holds it as Unix milliseconds.
/// </remarks>
public sealed class EventRules
{
    private readonly StreamField[] _declared;
    private readonly Dictionary<string, int> _index;

    public EventRules(StreamSchema stream)
    {
        Stream = stream;
        _declared = [.. stream.Fields.Skip(2)];
        _index = _declared.Select((field, i) => (field.Name, i)).ToDictionary(entry => entry.Name, entry => entry.i, StringComparer.Ordinal);
        PartitionedBy = stream.Rollups.FirstOrDefault(rollup => rollup.By.Count > 0) is { } rollup ? string.Join(',', rollup.By) : PrivateList.ByEventId;
    }

    public StreamSchema Stream { get; }

    /// <summary>
    /// What splits a private list of the stream into sink partitions, recorded at its take-over: the first rollup's
    /// dimensions, so that each rollup row is upserted by one partition write per chunk, not by every one; the event id
    /// when the stream has no rollup with dimensions.
    /// </summary>
    public string PartitionedBy { get; }

    /// <summary>The indexes in <see cref="Declared"/> of the fields a list recorded as <see cref="PrivateList.PartitionedBy"/>; null for the event id.</summary>
    /// <exception cref="InvalidOperationException">A recorded field is not declared: only a declaration that dropped a field, which a start refuses, could do it.</exception>
    public int[]? PartitionFields(string partitionedBy) =>
        partitionedBy == PrivateList.ByEventId
            ? null
            : [.. partitionedBy.Split(',').Select(name => _index.TryGetValue(name, out var i)
                ? i
                : throw new InvalidOperationException($"The private list is split by '{partitionedBy}', but the stream '{Stream.Name}' declares no field {name}."))];

    /// <summary>The fields after id and ts: the order of <see cref="StagedEvent.Values"/> and of the staged JSON.</summary>
    public IReadOnlyList<StreamField> Declared => _declared;

    /// <summary>Reads an event object; every problem goes to <paramref name="errors"/> as (property, what is wrong).</summary>
    /// <param name="staged">As the staging list holds it (<c>ts</c> in Unix milliseconds), not as the Api receives it.</param>
    /// <param name="values">Receives the declared fields' values, null where absent; as long as <see cref="Declared"/>.</param>
    /// <param name="extra">The properties the schema does not name, as one compact JSON object, when the stream keeps them (<see cref="ExtraProperties.Keep"/>); null when there are none.</param>
    public void Read(JsonElement element, bool staged, out string? id, out long? timestampMs, object?[] values, out string? extra, List<(string Property, string Error)> errors)
    {
        id = null;
        timestampMs = null;
        extra = null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(("$", "must be a JSON object"));
            return;
        }

        Array.Clear(values);
        var seen = new bool[_declared.Length + 2];
        KeptProperties? kept = null;
        foreach (var property in element.EnumerateObject())
        {
            if (!TryGetName(property, out var name))
            {
                errors.Add(("$", "has a property name that is not valid Unicode (an unpaired surrogate)"));
                continue;
            }

            var slot = name switch { "id" => 0, "ts" => 1, _ => _index.TryGetValue(name, out var i) ? i + 2 : -1 };
            if (slot < 0 && Stream.Extra == ExtraProperties.Keep)
            {
                if ((kept ??= new KeptProperties()).Add(property, name) is { } keptError)
                {
                    errors.Add((name, keptError));
                }

                continue;
            }

            if (slot < 0)
            {
                errors.Add((name, $"is not a field of the stream '{Stream.Name}' (GET /streams/{Stream.Name} lists them)"));
                continue;
            }

            if (seen[slot])
            {
                errors.Add((name, "appears more than once"));
                continue;
            }

            seen[slot] = true;
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            string? error;
            if (slot == 0)
            {
                id = property.Value.ValueKind == JsonValueKind.String && TryGetString(property.Value, out var text) ? text : null;
                error = id is not null && ClickRules.IsValidId(id) ? null : "must be a string of " + ClickRules.IdRule;
            }
            else if (slot == 1)
            {
                error = ReadTimestamp(property.Value, staged, out var ms) ? null : staged ? StagedTimestampRule : $"must be {Rfc3339.Rule}";
                timestampMs = error is null ? ms : null;
            }
            else
            {
                error = Read(property.Value, _declared[slot - 2], staged, out values[slot - 2]);
            }

            if (error is not null)
            {
                errors.Add((name, error));
            }
        }

        for (var i = 0; i < _declared.Length; i++)
        {
            if (_declared[i].Required && values[i] is null && !errors.Exists(e => e.Property == _declared[i].Name))
            {
                errors.Add((_declared[i].Name, "is required"));
            }
        }

        extra = kept?.ToJson();
    }

    /// <summary>
    /// Writes the event as the staging list holds it: compact JSON, id and ts first, then the declared fields present,
    /// then the kept properties (<paramref name="extra"/>, as reading the event gave them), as a producer pushes them.
    /// </summary>
    public void Write(Utf8JsonWriter writer, string id, long timestampMs, object?[] values, string? extra)
    {
        writer.WriteStartObject();
        writer.WriteString("id", id);
        writer.WriteNumber("ts", timestampMs);
        for (var i = 0; i < _declared.Length; i++)
        {
            switch (values[i])
            {
                case long number:
                    writer.WriteNumber(_declared[i].Name, number);
                    break;
                case double number:
                    writer.WriteNumber(_declared[i].Name, number);
                    break;
                case bool flag:
                    writer.WriteBoolean(_declared[i].Name, flag);
                    break;
                case string text:
                    writer.WriteString(_declared[i].Name, text);
                    break;
                case Guid uuid:
                    writer.WriteString(_declared[i].Name, uuid);
                    break;
                case decimal exact:
                    writer.WriteNumber(_declared[i].Name, exact);
                    break;
            }
        }

        if (extra is not null)
        {
            using var kept = JsonDocument.Parse(extra);
            foreach (var property in kept.RootElement.EnumerateObject())
            {
                property.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
    }

    private static string? Read(JsonElement value, StreamField field, bool staged, out object? result)
    {
        result = null;
        switch (field.Type)
        {
            case FieldType.Int64 when value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number):
                result = number;
                return number < field.Min || number > field.Max ? Range(field) : null;
            case FieldType.Float64 when value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var real) && double.IsFinite(real):
                result = real;
                return (field.Min is { } min && real < (double)min) || (field.Max is { } max && real > (double)max) ? Range(field) : null;
            case FieldType.Bool when value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                result = value.GetBoolean();
                return null;
            case FieldType.String when value.ValueKind == JsonValueKind.String:
                if (!TryGetString(value, out var text))
                {
                    return UnicodeRule;
                }

                result = text;
                return text.Contains('\0', StringComparison.Ordinal) ? NulRule
                    : CodePoints(text) > field.MaxLength ? $"must be at most {field.MaxLength} characters" : null;
            case FieldType.Timestamp when ReadTimestamp(value, staged, out var ms):
                result = ms;
                return null;
            case FieldType.Decimal when value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var exact):
                result = exact;
                return !FitsDigits(exact, field) ? DigitsRule(field) : exact < field.Min || exact > field.Max ? Range(field) : null;
            case FieldType.Uuid when value.ValueKind == JsonValueKind.String && TryGetString(value, out var uuid) && Guid.TryParseExact(uuid, "D", out var guid):
                result = guid;
                return null;
            default:
                return field.Type switch
                {
                    FieldType.Int64 => "must be an integer from -2^63 to 2^63-1",
                    FieldType.Float64 => "must be a finite number",
                    FieldType.Bool => "must be true or false",
                    FieldType.String => "must be a string",
                    FieldType.Decimal => DigitsRule(field),
                    FieldType.Uuid => "must be a UUID: 8-4-4-4-12 hexadecimal digits, as 0f8fad5b-d9cb-469f-a165-70867728950e",
                    _ => staged ? StagedTimestampRule : $"must be {Rfc3339.Rule}",
                };
        }
    }

    // Times from 1970 on: earlier ones are producer bugs (a zero-based clock), and SQLite stores milliseconds since 1970.
    // Up to the end of 9999, the last time .NET and PostgreSQL's COPY both hold: a later one would fail the write.
    private static bool ReadTimestamp(JsonElement value, bool staged, out long ms)
    {
        ms = 0;
        if (staged)
        {
            return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out ms) && ms >= ClickRules.EarliestTimestampMs && ms <= LatestTimestampMs;
        }

        if (value.ValueKind != JsonValueKind.String || !TryGetString(value, out var text) || !Rfc3339.TryParse(text, out var time))
        {
            return false;
        }

        ms = time.ToUnixTimeMilliseconds();
        return ms >= ClickRules.EarliestTimestampMs;
    }

    private static readonly long LatestTimestampMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    private const string StagedTimestampRule = "must be an integer (Unix milliseconds) from 0 (1970) to 253402300799999 (9999)";

    internal const string UnicodeRule = "must be valid Unicode (no unpaired surrogate)";

    // JSON may escape U+0000 (\u0000), which no PostgreSQL text holds (SQLite's would): refused on every store alike.
    internal const string NulRule = "must not hold the character U+0000 (no PostgreSQL text holds it)";

    // JSON may escape an unpaired surrogate (\ud800), which no string of a store holds: refused, like a click's id.
    internal static bool TryGetString(JsonElement value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? text)
    {
        try
        {
            text = value.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = null;
            return false;
        }
    }

    internal static bool TryGetName(JsonProperty property, out string name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = "";
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
