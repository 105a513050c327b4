namespace ClickOrleans;

/// <summary>One event of a declared stream read from a private list, on its way to a sink partition.</summary>
/// <param name="EventId">The event id as stored: the Api's UUIDv7, a hash of a client-given id, or derived from the position.</param>
/// <param name="ClientId">A client-given id that is not a lower-case hex UUID, kept as given; null otherwise.</param>
/// <param name="TimestampMs">When the event happened, Unix milliseconds (UTC).</param>
/// <param name="Values">
/// The stream's declared fields in their schema's order (after id and ts): <see cref="long"/> for int64 and timestamp
/// (Unix milliseconds), <see cref="double"/>, <see cref="bool"/>, <see cref="string"/>, <see cref="Guid"/> for uuid,
/// <see cref="decimal"/>; null where an optional field is absent.
/// </param>
/// <param name="Extra">The properties its schema does not name, as one JSON object, for a stream that keeps them; null otherwise.</param>
[GenerateSerializer, Immutable, Alias("ClickOrleans.StagedEvent")]
public readonly record struct StagedEvent(long Position, Guid EventId, string? ClientId, long TimestampMs, object?[] Values, string? Extra = null) : IStagedRow;
