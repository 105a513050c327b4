namespace ClickOrleans.Api.Ingest;

/// <summary>The answer to a staged event: its id, the client's or the one the Api gave it.</summary>
public sealed record ClickAccepted(string Id);

/// <summary>The answer to a staged batch.</summary>
public sealed record BatchAccepted(int Accepted);
