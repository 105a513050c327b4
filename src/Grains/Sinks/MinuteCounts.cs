using System.Runtime.InteropServices;

namespace ClickOrleans.Sinks;

/// <summary>Clicks per product and minute (UTC): what a batch adds to <c>product_clicks_minute</c>.</summary>
internal sealed class MinuteCounts
{
    private const long MinuteMs = 60_000;

    private readonly Dictionary<(long Pid, long MinuteMs), long> _counts = [];

    public static MinuteCounts Of(IEnumerable<Click> clicks)
    {
        var counts = new MinuteCounts();
        foreach (var click in clicks)
        {
            counts.Add(click);
        }

        return counts;
    }

    public void Add(Click click)
    {
        var minute = click.TimestampMs - ((click.TimestampMs % MinuteMs) + MinuteMs) % MinuteMs;
        CollectionsMarshal.GetValueRefOrAddDefault(_counts, (click.Pid, minute), out _)++;
    }

    /// <summary>In (product, minute) order, so that concurrent writers lock rollup rows in the same order.</summary>
    public IEnumerable<(long Pid, long MinuteMs, long Clicks)> Ordered() =>
        _counts.OrderBy(entry => entry.Key).Select(entry => (entry.Key.Pid, entry.Key.MinuteMs, entry.Value));
}
