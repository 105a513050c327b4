namespace ClickOrleans;

/// <summary>One click read from a private list, on its way to a sink partition.</summary>
/// <param name="Position">Where the element sits in its private list, oldest first: what the sink's progress mark counts.</param>
/// <param name="EventId">The event id as stored: the Api's UUIDv7, a hash of a client-given id, or derived from the position.</param>
/// <param name="ClientId">A client-given id that is not a lower-case hex UUID, kept as given; null otherwise.</param>
/// <param name="TimestampMs">When the click happened, Unix milliseconds (UTC).</param>
[GenerateSerializer, Immutable, Alias("ClickOrleans.StagedClick")]
public readonly record struct StagedClick(long Position, Guid EventId, string? ClientId, long Uid, long Pid, long TimestampMs) : IStagedRow;
