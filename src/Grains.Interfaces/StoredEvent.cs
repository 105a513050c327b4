namespace ClickOrleans;

/// <summary>One stored event of a declared stream, as the events query reads it back.</summary>
/// <param name="Id">The client's id, or the Api's (32 hexadecimal digits).</param>
/// <param name="Values">
/// Its declared fields in their schema's order (after id and ts): long for int64, double, bool, string, Guid for uuid, decimal
/// (timestamps as Unix milliseconds); null where absent.
/// </param>
/// <param name="Extra">Its kept properties as one JSON object, for a stream that keeps them; null otherwise.</param>
[GenerateSerializer, Immutable, Alias("ClickOrleans.StoredEvent")]
public sealed record StoredEvent(string Id, DateTimeOffset Ts, object?[] Values, string? Extra);
