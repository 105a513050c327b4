namespace ClickOrleans.Sinks;

/// <summary>
/// Where drained clicks end up: the raw events in <c>clicks</c> and per-product per-minute counts in
/// <c>product_clicks_minute</c>, written together with the progress mark of the private list and partition they came
/// from (<c>drain_progress</c>), in one transaction. A write skips the clicks below the mark, so writing the same
/// batch twice, or an overlapping one, writes each click once.
/// </summary>
public interface IClickSink
{
    /// <summary>Brings the store's schema to the current version, creating it in an empty store; safe from every silo at once.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>Returns when the store answers; throws when it does not.</summary>
    Task PingAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Writes the clicks at or above the partition's progress mark and moves the mark to the batch's end. A click the
    /// store refuses for its data (a constraint, a trigger) is left out and reported, with the store's message; the
    /// rest is written. Skipped clicks that were refused before are reported again, so their dead letters are not lost.
    /// </summary>
    Task<SinkResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken);

    /// <summary>Marks a fully drained private list complete, so later writes of it are skipped whole; prunes old marks.</summary>
    Task CompleteAsync(string privateList, CancellationToken cancellationToken);

    /// <summary>Whether a failed call may succeed when retried: the connection or the server failed, not the data.</summary>
    bool IsTransient(Exception exception);
}
