using ClickOrleans.Staging;

namespace ClickOrleans.Streams;

/// <summary>The fields every stream's events have, with the rules of the clicks stream's: the event id and time.</summary>
public static class EventFields
{
    public static StreamField Id { get; } = new("id", FieldType.String, Required: false, Min: null, Max: null, ClickRules.MaxIdLength,
        "The event's id: " + ClickRules.IdRule + ". A client-given id makes a retry idempotent within Clicks:IdempotencyWindow; without one, the Api or the drain gives the event its own.");

    public static StreamField Ts(ClickOptions options) => new("ts", FieldType.Timestamp, Required: false, Min: null, Max: null, MaxLength: null,
        $"When the event happened: from {options.MaxClickAge} before to {options.MaxClockSkew} after its receipt (Clicks:MaxClickAge, Clicks:MaxClockSkew); without it, the time of receipt.");
}
