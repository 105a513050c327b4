namespace ClickOrleans.Staging;

/// <summary>Two drains met on the same staging bookkeeping; the one that sees this stops and leaves the work to the other.</summary>
public sealed class StagingConflictException(string message) : Exception(message);
