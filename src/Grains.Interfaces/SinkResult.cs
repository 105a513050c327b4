namespace ClickOrleans;

/// <summary>What one partition write did: events written, events skipped (below the progress mark), and events the store refused.</summary>
[GenerateSerializer, Immutable, Alias("ClickOrleans.SinkResult")]
public sealed record SinkResult(int Written, int Skipped, RefusedEvent[] Refused);

/// <summary>An event the store refused (a data error such as a failed CHECK constraint), with the store's message.</summary>
/// <remarks>Its wire name is the one it had when only clicks were written, so that silos of both releases understand each other.</remarks>
[GenerateSerializer, Immutable, Alias("ClickOrleans.RefusedClick")]
public readonly record struct RefusedEvent(long Position, string Reason);
