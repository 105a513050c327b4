using System.Globalization;

namespace ClickOrleans.Streams;

/// <summary>
/// The value of a rollup's dimension or an index's field as a query string gives it, read by the field's type: the
/// Api's check and the sink's parameter.
/// </summary>
public static class DimensionValues
{
    /// <returns>The value (long, bool or string), or null when the text is not one of the field's type.</returns>
    public static object? Parse(StreamField field, string text) => field.Type switch
    {
        FieldType.Int64 => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) ? number : null,
        FieldType.Bool => bool.TryParse(text, out var flag) ? flag : null,
        FieldType.String => text.Contains('\0', StringComparison.Ordinal) ? null : text, // no stored value holds U+0000
        FieldType.Uuid => Guid.TryParseExact(text, "D", out var uuid) ? uuid : null,
        _ => null,
    };

    /// <summary>A stored value as a query string gives it: what <see cref="Parse"/> reads back.</summary>
    public static string Format(object value) => value switch
    {
        bool flag => flag ? "true" : "false",
        long number => number.ToString(CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>What a value of the field's type looks like, for the message that refuses one.</summary>
    public static string Rule(StreamField field) => field.Type switch
    {
        FieldType.Int64 => "a 64-bit integer",
        FieldType.Bool => "true or false",
        FieldType.Uuid => "a UUID: 8-4-4-4-12 hexadecimal digits",
        _ => "a string without the character U+0000",
    };
}
