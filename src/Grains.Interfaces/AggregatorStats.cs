namespace ClickOrleans;

/// <summary>What an operator wants to know about one staging list and its drains.</summary>
/// <param name="Backlog">Elements waiting on the staging list (LLEN).</param>
/// <param name="PrivateLists">Private lists taken over and not yet fully drained, with what is left of them.</param>
/// <param name="DeadLetters">Elements on the dead-letter list.</param>
/// <param name="Lag">Age of the oldest click still waiting, when its element carries a timestamp.</param>
/// <param name="Draining">Whether a drain runs right now.</param>
/// <param name="LastProgress">When a drain last took a list over, committed a chunk or finished a list.</param>
/// <param name="LastFailure">The last failed drain and why; cleared by the next drain that completes.</param>
/// <param name="FailuresInARow">Drains that failed since the last one that completed.</param>
/// <param name="LastLoss">The last private list that vanished from Redis before it was drained.</param>
/// <param name="Stall">Why the drain is stalled (see <c>Clicks:StallAfter</c>), or null while it keeps up.</param>
/// <param name="Shards">For the whole stream (<c>/stats</c>): each shard's stats, which the fields above sum up.</param>
/// <param name="Backfill">For the whole stream, when it is archived: its running backfill from the archive, or its last.</param>
/// <param name="Sinks">Each sink the stream's lists were written to: its events, its last commit and its failures.</param>
[GenerateSerializer, Immutable, Alias("ClickOrleans.AggregatorStats")]
public sealed record AggregatorStats(
    string StagingKey,
    long Backlog,
    PrivateListStats[] PrivateLists,
    long DeadLetters,
    DrainTotals Totals,
    DrainResult? LastDrain,
    TimeSpan? Lag,
    bool Draining,
    DateTimeOffset? LastProgress,
    DrainFailure? LastFailure,
    long FailuresInARow,
    PrivateListLoss? LastLoss,
    string? Stall,
    AggregatorStats[]? Shards = null,
    BackfillStatus? Backfill = null,
    SinkStats[]? Sinks = null);

/// <summary>A private list awaiting its drain: elements committed so far and elements left.</summary>
[GenerateSerializer, Immutable, Alias("ClickOrleans.PrivateListStats")]
public sealed record PrivateListStats(string Name, long Committed, long Remaining, DateTimeOffset TakenOverAt);

/// <summary>Stats summed over every drain of a staging list, recorded as each chunk commits.</summary>
/// <param name="DeadDropped">The oldest dead letters dropped because the list passed <c>Clicks:MaxDeadLetters</c>.</param>
[GenerateSerializer, Immutable, Alias("ClickOrleans.DrainTotals")]
public sealed record DrainTotals(long Drains, long FailedDrains, long Elements, long Written, long Skipped, long Dead, long Lost, long DeadDropped = 0);

/// <summary>A drain that failed: when, and the error.</summary>
[GenerateSerializer, Immutable, Alias("ClickOrleans.DrainFailure")]
public sealed record DrainFailure(DateTimeOffset At, string Reason);

/// <summary>A private list found missing from Redis with elements not yet drained.</summary>
[GenerateSerializer, Immutable, Alias("ClickOrleans.PrivateListLoss")]
public sealed record PrivateListLoss(string Name, long Lost, DateTimeOffset At);
