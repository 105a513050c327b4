namespace ClickOrleans;

/// <summary>What one partition write did: clicks written, clicks skipped (below the progress mark), and clicks the store refused.</summary>
[GenerateSerializer, Immutable, Alias("ClickOrleans.SinkResult")]
public sealed record SinkResult(int Written, int Skipped, RefusedClick[] Refused);

/// <summary>A click the store refused (a data error such as a failed CHECK constraint), with the store's message.</summary>
[GenerateSerializer, Immutable, Alias("ClickOrleans.RefusedClick")]
public readonly record struct RefusedClick(long Position, string Reason);
