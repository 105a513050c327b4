using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ClickOrleans.Streams;

/// <summary>
/// The properties of one event that its schema does not name, for a stream that keeps them: checked to be what every
/// store holds as JSON and written as one compact object, in the order they came.
/// </summary>
/// <remarks>
/// PostgreSQL's <c>jsonb</c> refuses U+0000, unpaired surrogates and numbers beyond its <c>numeric</c>, and keeps only
/// the last of two equal names in an object, where SQLite would keep both: all of these are refused here instead, at
/// the Api as a 400 and at the drain as a dead letter, so that both stores keep the same values.
/// </remarks>
internal sealed class KeptProperties
{
    private const int MaxNumberLength = 100, MaxExponent = 308;
    private const string NumberRule = "must be a number of at most 100 characters with an exponent from -308 to 308 (what every store keeps in JSON)";

    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly List<(string Name, JsonElement Value)> _kept = [];

    /// <summary>Keeps the property, or says what in it no store holds (nothing kept then).</summary>
    public string? Add(string name, JsonElement value)
    {
        if (!_names.Add(name))
        {
            return "appears more than once";
        }

        if (name.Contains('\0', StringComparison.Ordinal))
        {
            return "is a name holding the character U+0000 (no PostgreSQL text holds it)";
        }

        if (Problem(value) is { } problem)
        {
            return problem;
        }

        _kept.Add((name, value));
        return null;
    }

    /// <summary>The kept properties as one compact JSON object; null when none was kept.</summary>
    public string? ToJson()
    {
        if (_kept.Count == 0)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in _kept)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string? Problem(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return !TryGetString(value, out var text) ? EventRules.UnicodeRule
                    : text.Contains('\0', StringComparison.Ordinal) ? EventRules.NulRule : null;
            case JsonValueKind.Number:
                return IsKeptNumber(value.GetRawText()) ? null : NumberRule;
            case JsonValueKind.Array:
                return value.EnumerateArray().Select(Problem).FirstOrDefault(problem => problem is not null);
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in value.EnumerateObject())
                {
                    if (!TryGetName(property, out var name))
                    {
                        return EventRules.NameRule;
                    }

                    if (name.Contains('\0', StringComparison.Ordinal))
                    {
                        return "has a property name holding the character U+0000 (no PostgreSQL text holds it)";
                    }

                    if (!names.Add(name))
                    {
                        return $"has the property '{name}' more than once";
                    }

                    if (Problem(property.Value) is { } problem)
                    {
                        return problem;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static bool TryGetString(JsonElement value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? text)
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

    private static bool TryGetName(JsonProperty property, out string name)
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

    private static bool IsKeptNumber(string number)
    {
        if (number.Length > MaxNumberLength)
        {
            return false;
        }

        var e = number.AsSpan().IndexOfAny('e', 'E');
        return e < 0 || (int.TryParse(number.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exponent)
            && Math.Abs(exponent) <= MaxExponent);
    }
}
