using System.Runtime.InteropServices;

namespace ClickOrleans.Sinks;

/// <summary>Clicks per product and minute (UTC): what a batch adds to <c>product_clicks_minute</c>.</summary>
internal sealed class MinuteCounts
{
    private const long MinuteMs = 60_000;

    private readonly Dictionary<(long Pid, long MinuteMs), long> _counts = [];

    public int Count => _counts.Count;

    public static MinuteCounts Of(ReadOnlySpan<StagedClick> clicks)
    {
        var counts = new MinuteCounts();
        foreach (ref readonly var click in clicks)
        {
            counts.Add(click);
        }

        return counts;
    }

    public void Add(in StagedClick click) =>
        CollectionsMarshal.GetValueRefOrAddDefault(_counts, (click.Pid, MinuteOf(click.TimestampMs)), out _)++;

    // Click times are never before 1970 (ClickRules), so the remainder is the offset into the minute.
    public static long MinuteOf(long timestampMs) => timestampMs - timestampMs % MinuteMs;

    /// <summary>In (product, minute) order, so that concurrent writers lock rollup rows in the same order (no deadlock).</summary>
    public (long[] Pids, long[] MinutesMs, long[] Clicks) Ordered()
    {
        var keys = new (long Pid, long MinuteMs)[_counts.Count];
        _counts.Keys.CopyTo(keys, 0);
        Array.Sort(keys);
        var pids = new long[keys.Length];
        var minutes = new long[keys.Length];
        var clicks = new long[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            (pids[i], minutes[i]) = keys[i];
            clicks[i] = _counts[keys[i]];
        }

        return (pids, minutes, clicks);
    }
}
