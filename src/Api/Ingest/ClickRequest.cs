using System.Text.Json.Serialization;

namespace ClickOrleans.Api.Ingest;

/// <summary>A click as a client sends it; every field is checked by the clicks stream's rules.</summary>
/// <remarks>
/// Unknown properties are rejected, and so are names in another case ("UID") and a property given twice: a misspelt
/// field ("pdi") would otherwise be dropped in silence, and a field the client believes is stored would be lost.
/// </remarks>
/// <param name="Id">Optional event id: a client that sends one can retry safely, the sink keeps the click once.</param>
/// <param name="Ts">Optional time of the click (RFC 3339, with its offset); the time of receipt otherwise.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ClickRequest(long? Uid, long? Pid, string? Id, [property: JsonConverter(typeof(Rfc3339Converter))] DateTimeOffset? Ts);

/// <summary>The answer to a staged click.</summary>
public sealed record ClickAccepted(string Id);

/// <summary>The answer to a staged batch.</summary>
public sealed record BatchAccepted(int Accepted);
