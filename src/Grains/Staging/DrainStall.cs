using System.Globalization;

namespace ClickOrleans.Staging;

/// <summary>When a staging list's drain counts as stalled: the rule behind <c>/health</c>'s Degraded and <c>/stats</c>'s stall.</summary>
public static class DrainStall
{
    /// <summary>
    /// Stalled when the drains of <paramref name="stallAfter"/> (<paramref name="stallAfter"/> / <paramref name="drainPeriod"/>,
    /// at least one) failed in a row, when a private list waits and no chunk has been committed for that long, or when
    /// elements have waited on the staging list for that long without a take-over (no reminder or schedule drains the
    /// shard, or a clock step stopped it). Times are Redis' clock (<paramref name="wait"/>'s <c>Now</c>).
    /// </summary>
    /// <returns>Why it is stalled, or null.</returns>
    public static string? Reason(
        StagingWait wait,
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

        if (privateLists.Count > 0 && lastProgress is { } progress && wait.Now - progress > stallAfter)
        {
            var oldest = privateLists[0];
            return string.Create(CultureInfo.InvariantCulture,
                $"private list {oldest.Name} ({oldest.Remaining} elements left) has not advanced since {progress:O}, more than Clicks:StallAfter ({stallAfter})");
        }

        if (wait.Since is { } since && wait.Now - since > stallAfter)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{wait.Backlog} elements have waited on the staging list since {since:O}, more than Clicks:StallAfter ({stallAfter}), and no drain took them over: does a silo drain this shard (its reminder or Clicks:DrainSchedule)?");
        }

        return null;
    }
}
