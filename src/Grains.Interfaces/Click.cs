namespace ClickOrleans;

/// <summary>A click the Api accepted, as it is staged: its event id (the Api's or the client's), who, what and when.</summary>
/// <param name="Id">Event id: a new UUIDv7 in lower-case hex, or the id the client gave.</param>
/// <param name="TimestampMs">When the click happened, Unix milliseconds (UTC).</param>
/// <param name="IdFromClient">The client gave the id: a retry with it is deduplicated within <c>Clicks:IdempotencyWindow</c>.</param>
public readonly record struct Click(string Id, long Uid, long Pid, long TimestampMs, bool IdFromClient = false);
