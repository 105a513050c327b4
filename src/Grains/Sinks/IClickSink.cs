namespace ClickOrleans.Sinks;

/// <summary>
/// Where drained clicks end up: the raw events in <c>clicks</c>, exactly once per event id, and per-product
/// per-minute counts in <c>product_clicks_minute</c> that grow only by the rows actually inserted, in one transaction.
/// Writing the same batch twice therefore changes nothing the second time.
/// </summary>
public interface IClickSink
{
    /// <summary>Creates the tables if they are missing; safe to call from every silo at once.</summary>
    Task EnsureSchemaAsync(CancellationToken cancellationToken);

    /// <summary>Returns when the store answers; throws a <see cref="System.Data.Common.DbException"/> when it does not.</summary>
    Task PingAsync(CancellationToken cancellationToken);

    Task<SinkResult> WriteAsync(Click[] clicks, CancellationToken cancellationToken);
}
