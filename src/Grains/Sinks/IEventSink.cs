using ClickOrleans.Streams;

namespace ClickOrleans.Sinks;

/// <summary>
/// Where a declared stream's events end up: a table of its own, created from its schema at start, written as clicks
/// are — the events above the partition's progress mark and the new mark in one transaction (<see cref="IClickSink"/>'s
/// marks), an event the store refuses for its data reported rather than failing the write.
/// </summary>
public interface IEventSink
{
    /// <summary>
    /// Creates each stream's table where it is missing and records its schema version; stops the start when a table's
    /// recorded version is not the declaration's, naming the change (evolution is not automatic yet).
    /// </summary>
    Task MigrateAsync(IReadOnlyList<StreamSchema> streams, CancellationToken cancellationToken);

    /// <summary>Writes the events at or above the partition's progress mark and moves the mark to the batch's end.</summary>
    Task<SinkResult> WriteAsync(EventBatch batch, CancellationToken cancellationToken);
}
