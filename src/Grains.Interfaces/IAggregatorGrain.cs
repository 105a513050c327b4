using Orleans.Concurrency;

namespace ClickOrleans;

/// <summary>
/// The singleton that drains one staging list, keyed by the list's Redis key.
/// A reminder drains it periodically; <see cref="Drain"/> drains it now.
/// </summary>
[Alias("ClickOrleans.IAggregatorGrain")]
public interface IAggregatorGrain : IGrainWithStringKey
{
    /// <summary>
    /// Drains everything staged before the call: starts a drain, or, while one runs (it may have taken the list over
    /// before the call), waits for it and then for the one that follows it. Never two drains at once.
    /// </summary>
    /// <remarks>A backlog of millions takes minutes: the caller waits for the result rather than timing out.</remarks>
    /// <exception cref="DrainFailedException">The drain failed; what it committed stays committed.</exception>
    [ResponseTimeout("00:30:00")]
    [Alias("Drain")]
    Task<DrainResult> Drain();

    /// <summary>
    /// Asks for a drain because the staging list grew past the flush size; coalesced with a drain that runs.
    /// One-way: the producer that pokes never waits for the drain.
    /// </summary>
    [OneWay]
    [Alias("Poke")]
    Task Poke();

    /// <summary>
    /// This activation's id. A caller waiting on <see cref="Drain"/> asks it now and then: a call that went through a
    /// gateway that died is answered only at its response timeout, so a new id is how the caller learns that the
    /// activation it waits on is gone.
    /// </summary>
    [Alias("GetActivationId")]
    Task<string> GetActivationId();

    /// <summary>The staging list's backlog, private lists, dead letters, drain stats and health.</summary>
    [Alias("GetStats")]
    Task<AggregatorStats> GetStats();

    /// <summary>Registers the drain reminder, or re-registers it when the configured period changed.</summary>
    [Alias("EnsureScheduled")]
    Task EnsureScheduled();
}
