namespace ClickOrleans;

/// <summary>The clicks of one drain chunk that belong to one sink partition.</summary>
[GenerateSerializer, Immutable]
public sealed record ClickBatch(Click[] Clicks);
