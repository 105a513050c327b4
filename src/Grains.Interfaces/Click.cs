namespace ClickOrleans;

/// <summary>One product click on its way from a drain to a sink partition.</summary>
/// <param name="Id">Event id: the API's or the client's, or derived from the element's place in its private list.</param>
/// <param name="TimestampMs">When the click happened, Unix milliseconds (UTC).</param>
[GenerateSerializer, Immutable]
public readonly record struct Click(string Id, long Uid, long Pid, long TimestampMs);
