using System.Globalization;

namespace ClickOrleans.Staging;

/// <summary>
/// A staging list a drain took over (renamed) and has not finished: its name, how many of its oldest elements are
/// committed (the drain's cursor), and what was fixed at the take-over so that any drain, on any silo and with any
/// configuration, resumes it the same way: the time given to elements without <c>ts</c> (Redis' clock at the take-over),
/// the length, the number of sink partitions its elements are split into and what by, and the latest valid <c>ts</c>.
/// </summary>
/// <param name="LatestTimestampMs">The latest valid click time of the list's elements: its take-over plus the
/// <c>Clicks:MaxClockSkew</c> in force then, so that a replay under other settings judges every element the same.
/// Null for a list taken over by a release that did not record it.</param>
/// <param name="PartitionedBy">What splits its elements into partitions: <see cref="ByEventId"/>, or the fields whose
/// values do (comma-separated; a stream with a rollup, so that each rollup row is written by one partition); null for a
/// list taken over by a release that did not record it (its stream says how that release split it).</param>
/// <param name="Version">The schema version of its stream its elements are judged by, whichever declaration the silo that
/// finishes it runs (<c>SchemaVersion</c>); null for a list taken over by a release that did not record it, judged by the current one.</param>
public sealed record PrivateList(
    string Name, long CommittedOffset, long TakenOverAtMs, long Length, int Partitions, long? LatestTimestampMs, string? PartitionedBy = null, string? Version = null)
{
    /// <summary>Elements split into partitions by their event id.</summary>
    public const string ByEventId = "id";

    /// <summary>
    /// The fixed part, as stored in the private-list-info hash: "&lt;taken over at ms&gt; &lt;length&gt; &lt;partitions&gt;
    /// &lt;latest ts&gt; &lt;partitioned by&gt; &lt;schema version&gt; &lt;the take-over before, ms&gt;" (the last parts are missing where an
    /// older release took the list over; the last is read by <see cref="StagingWatermark"/> alone).
    /// </summary>
    internal static PrivateList Parse(string name, long committedOffset, string info)
    {
        var parts = info.Split(' ');
        return new PrivateList(
            name,
            committedOffset,
            long.Parse(parts[0], CultureInfo.InvariantCulture),
            long.Parse(parts[1], CultureInfo.InvariantCulture),
            int.Parse(parts[2], CultureInfo.InvariantCulture),
            parts.Length > 3 ? long.Parse(parts[3], CultureInfo.InvariantCulture) : null,
            parts.Length > 4 ? parts[4] : null,
            parts.Length > 5 ? parts[5] : null);
    }

    public long Remaining => Length - CommittedOffset;

    public DateTimeOffset TakenOverAt => DateTimeOffset.FromUnixTimeMilliseconds(TakenOverAtMs);
}
