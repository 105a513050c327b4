namespace ClickOrleans.Sinks;

/// <summary>A declared stream's table holds another version of its schema than its declaration: the host stops at start.</summary>
public sealed class SchemaChangedException(string message) : Exception(message);
