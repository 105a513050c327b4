using System.Globalization;

namespace ClickOrleans.Staging;

/// <summary>
/// A staging list a drain took over (renamed) and has not finished: its name, how many of its oldest elements are
/// committed (the drain's cursor), and what was fixed at the take-over so that any drain, on any silo and with any
/// configuration, resumes it the same way: the time given to elements without <c>ts</c>, the length, and the number
/// of sink partitions its elements are split into.
/// </summary>
public sealed record PrivateList(string Name, long CommittedOffset, long TakenOverAtMs, long Length, int Partitions)
{
    /// <summary>The fixed part, as stored in the private-list-info hash: "&lt;taken over at ms&gt; &lt;length&gt; &lt;partitions&gt;".</summary>
    internal string Info => string.Create(CultureInfo.InvariantCulture, $"{TakenOverAtMs} {Length} {Partitions}");

    internal static PrivateList Parse(string name, long committedOffset, string info)
    {
        var parts = info.Split(' ');
        return new PrivateList(
            name,
            committedOffset,
            long.Parse(parts[0], CultureInfo.InvariantCulture),
            long.Parse(parts[1], CultureInfo.InvariantCulture),
            int.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    public long Remaining => Length - CommittedOffset;

    public DateTimeOffset TakenOverAt => DateTimeOffset.FromUnixTimeMilliseconds(TakenOverAtMs);
}
