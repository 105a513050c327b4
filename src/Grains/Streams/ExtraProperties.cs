using System.Text.Json.Serialization;

namespace ClickOrleans.Streams;

/// <summary>What becomes of the properties of an event that its stream's schema does not name.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ExtraProperties>))]
public enum ExtraProperties
{
    /// <summary>The Api answers 400 naming the property; the drain makes the element a dead letter with the reason.</summary>
    [JsonStringEnumMemberName("reject")]
    Reject,

    /// <summary>
    /// The Api answers 400 naming the property; the drain ignores them in what producers push to Redis, as the original
    /// job did (the built-in <c>clicks</c> stream).
    /// </summary>
    [JsonStringEnumMemberName("ignoreWhenStaged")]
    IgnoreWhenStaged,

    /// <summary>
    /// Kept: stored as one JSON object in the table's <c>extra</c> column (<c>jsonb</c> on PostgreSQL, JSON text on
    /// SQLite); null when an event has none. Their values follow JSON's rules and those every store holds
    /// (<see cref="EventRules"/>).
    /// </summary>
    [JsonStringEnumMemberName("keep")]
    Keep,
}
