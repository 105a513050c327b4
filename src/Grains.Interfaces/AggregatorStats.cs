namespace ClickOrleans;

/// <summary>What an operator wants to know about one staging list and its drains.</summary>
/// <param name="Backlog">Elements waiting on the staging list (LLEN).</param>
/// <param name="Pending">Private lists taken over but not yet fully drained, with what is left of them.</param>
/// <param name="DeadLetters">Elements on the dead-letter list.</param>
/// <param name="Lag">Age of the oldest click still waiting, when its element carries a timestamp.</param>
/// <param name="Draining">Whether a drain runs right now.</param>
[GenerateSerializer, Immutable]
public sealed record AggregatorStats(
    string StagingKey,
    long Backlog,
    PendingListStats[] Pending,
    long DeadLetters,
    DrainTotals Totals,
    DrainResult? LastDrain,
    TimeSpan? Lag,
    bool Draining);

/// <summary>A private list awaiting its drain: elements committed so far and elements left.</summary>
[GenerateSerializer, Immutable]
public sealed record PendingListStats(string Name, long Committed, long Remaining);

/// <summary>Figures summed over every drain of a staging list since it was first drained.</summary>
[GenerateSerializer, Immutable]
public sealed record DrainTotals(long Drains, long Elements, long Written, long Duplicates, long Dead);
