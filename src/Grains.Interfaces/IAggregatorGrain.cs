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

    /// <summary>Registers the drain reminder, or re-registers it when the configured period changed.</summary>
    Task EnsureScheduled();
}
