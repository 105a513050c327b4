namespace ClickOrleans.Streams;

/// <summary>One field of a stream's events: its name in the JSON, its type, whether every event has it, and its bounds.</summary>
/// <param name="Name">The property name, exactly as producers send it (no other case).</param>
/// <param name="Required">Every event carries it; an optional field that is absent is stored as null.</param>
/// <param name="Min">The smallest value of a number; null: the type's own.</param>
/// <param name="Max">The largest value of a number; null: the type's own.</param>
/// <param name="MaxLength">The most characters of a string (Unicode code points).</param>
/// <param name="Description">What the field holds, and what the pipeline does when an event leaves it out.</param>
/// <param name="Precision">A decimal's digits in all.</param>
/// <param name="Scale">A decimal's digits after the point.</param>
public sealed record StreamField(
    string Name, FieldType Type, bool Required, decimal? Min, decimal? Max, int? MaxLength, string Description, int? Precision = null, int? Scale = null)
{
    /// <summary>The type as declarations and schema versions name it: <c>int64</c>, …, <c>decimal(12,2)</c>.</summary>
    public string TypeName => Type == FieldType.Decimal
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"decimal({Precision},{Scale})")
        : Type.ToString().ToLowerInvariant();
}
