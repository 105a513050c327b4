using System.Globalization;

namespace ClickOrleans.Staging;

/// <summary>When a staging list's drain counts as stalled: the rule behind <c>/health</c>'s Degraded and <c>/stats</c>'s stall.</summary>
public static class DrainStall
{
    /// <summary>
    /// Stalled when a private list waits and no chunk has been committed for <paramref name="stallAfter"/>, or when the
    /// drains of that long (<paramref name="stallAfter"/> / <paramref name="drainPeriod"/>, at least one) failed in a row.
    /// </summary>
    /// <returns>Why it is stalled, or null.</returns>
    public static string? Reason(
        DateTimeOffset now,
        TimeSpan stallAfter,
        TimeSpan drainPeriod,
        IReadOnlyList<PrivateList> privateLists,
        DateTimeOffset? lastProgress,
        long failuresInARow,
        DrainFailure? lastFailure)
    {
        var failuresAllowed = Math.Max(1, (long)(stallAfter / drainPeriod));
        if (failuresInARow >= failuresAllowed)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{failuresInARow} drains in a row failed; the last at {lastFailure?.At:O}: {lastFailure?.Reason}");
        }

        if (privateLists.Count > 0 && lastProgress is { } progress && now - progress > stallAfter)
        {
            var oldest = privateLists[0];
            return string.Create(CultureInfo.InvariantCulture,
                $"private list {oldest.Name} ({oldest.Remaining} elements left) has not advanced since {progress:O}, more than Clicks:StallAfter ({stallAfter})");
        }

        return null;
    }
}
