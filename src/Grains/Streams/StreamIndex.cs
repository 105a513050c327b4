namespace ClickOrleans.Streams;

/// <summary>An index of a stream's raw events in its sink: the queries by these fields it serves.</summary>
public sealed record StreamIndex(string Name, IReadOnlyList<string> Fields);
