using Orleans.Concurrency;

namespace ClickOrleans;

/// <summary>
/// The singleton that drains one staging list, keyed by the list's Redis key.
/// A reminder drains it periodically; <see cref="Drain"/> drains it now.
/// </summary>
public interface IAggregatorGrain : IGrainWithStringKey
{
    /// <summary>Drains the staging list now, or joins the drain already running; never two at once.</summary>
    /// <remarks>A backlog of millions takes minutes: the caller waits for the figures rather than timing out.</remarks>
    [ResponseTimeout("00:30:00")]
    Task<DrainResult> Drain();

    /// <summary>
    /// Asks for a drain because the staging list grew past the flush size; coalesced with a drain that runs.
    /// One-way: the producer that pokes never waits for the drain.
    /// </summary>
    [OneWay]
    Task Poke();

    /// <summary>The staging list's backlog, pending private lists, dead letters and drain figures.</summary>
    Task<AggregatorStats> GetStats();

    /// <summary>Registers the drain reminder, or re-registers it when the configured period changed.</summary>
    Task EnsureScheduled();
}
