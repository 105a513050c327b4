namespace ClickOrleans.Client;

/// <summary>
/// Clicks tracked before a <see cref="ClickClient.FlushAsync"/> that the Api did not accept: refused as invalid,
/// refused with the client's key, or not sent before the client stopped. The others were accepted.
/// </summary>
public sealed class ClicksNotAcceptedException(long dropped, IReadOnlyList<string> reasons)
    : Exception($"{dropped} tracked clicks were not accepted by the Api: {string.Join("; ", reasons)}")
{
    /// <summary>How many clicks were dropped since the previous flush.</summary>
    public long Dropped => dropped;

    /// <summary>Why, one line per distinct reason (at most ten).</summary>
    public IReadOnlyList<string> Reasons => reasons;
}

/// <summary>The client stopped sending: the Api refused its key (401 or 403). Fix the key and make a new client.</summary>
public sealed class ClickClientStoppedException(string reason) : InvalidOperationException($"The click client stopped sending: {reason}");
