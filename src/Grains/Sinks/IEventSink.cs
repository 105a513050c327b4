namespace ClickOrleans.Sinks;

/// <summary>
/// Where drained events end up: each stream's raw events in its table and its rollups in theirs, written together with
/// the progress mark of the private list and partition they came from (<c>drain_progress</c>), in one transaction. A
/// write skips the events below the mark, so writing the same batch twice, or an overlapping one, writes each event once.
/// </summary>
public interface IEventSink
{
    /// <summary>The sink's name, as streams list it (<c>Streams:&lt;name&gt;:Sinks</c>) and the ledger shows it.</summary>
    string Name { get; }

    /// <summary>
    /// Brings the store to the current version (its own tables and every stream's, from their schemas): creates what is
    /// missing, applies additive changes, and stops the start naming any other change. Safe from every silo at once.
    /// </summary>
    /// <exception cref="SchemaChangedException">A stream's declaration changes its table in a way that is not additive.</exception>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>Returns when the store answers; throws when it does not.</summary>
    Task PingAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Writes the events at or above the partition's progress mark and moves the mark to the batch's end. An event the
    /// store refuses for its data (a constraint, a trigger) is left out and reported, with the store's message; the
    /// rest is written. Skipped events that were refused before are reported again, so their dead letters are not lost.
    /// </summary>
    Task<SinkResult> WriteAsync(EventBatch batch, CancellationToken cancellationToken);

    /// <summary>Marks a fully drained private list complete, so later writes of it are skipped whole; prunes old marks.</summary>
    Task CompleteAsync(string privateList, CancellationToken cancellationToken);

    /// <summary>
    /// The stream's tables (its own, its rollups') that hold anything of [<paramref name="from"/>, <paramref name="to"/>):
    /// what a backfill of that range would store twice. Empty when none does.
    /// </summary>
    Task<IReadOnlyList<string>> HoldingAsync(string stream, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the stream's events of [<paramref name="from"/>, <paramref name="to"/>) and its rollups' buckets that start
    /// in it, in one transaction: a backfill's replace. The range starts and ends at buckets of every rollup, so each
    /// bucket deleted held events of the range alone.
    /// </summary>
    Task DeleteRangeAsync(string stream, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    /// <summary>The ids of the rows' events that the stream's table holds already, matched by id and time.</summary>
    Task<IReadOnlySet<Guid>> StoredAsync(string stream, EventRows rows, CancellationToken cancellationToken);

    /// <summary>Whether a failed call may succeed when retried: the connection or the server failed, not the data.</summary>
    bool IsTransient(Exception exception);
}
