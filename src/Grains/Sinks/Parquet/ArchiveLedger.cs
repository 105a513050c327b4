using System.Globalization;
using ClickOrleans.Streams;

namespace ClickOrleans.Sinks.Parquet;

/// <summary>
/// One partition write the archive committed with its marks: positions [<paramref name="Start"/>, <paramref name="End"/>)
/// of the list's partition, the events it archived and their checksum (<see cref="LedgerCommit.Of(Guid)"/>).
/// </summary>
internal sealed record ArchiveCommit(int Partition, long Start, long End, int Events, long Checksum, long CommittedAtMs);

/// <summary>A completed private list's ledger entries of one UTC day of commit.</summary>
internal sealed record ArchiveLedgerFile(string PrivateList, ArchiveCommit[] Commits);

/// <summary>
/// The archive's ledger of a stream, in the lake beside its files: the entries of a private list that is still drained
/// are in its marks (<see cref="ArchiveMarks.Ledger"/>, committed with each mark); when the list completes they move to
/// <c>stream=&lt;name&gt;/_ledger/date=YYYY-MM-DD/&lt;list&gt;.json</c>, a file per day of commit, which outlives the marks.
/// Read by commit time, as the store's ledger is, and numbered in that order.
/// </summary>
public sealed class ArchiveLedger(ParquetArchive archive)
{
    private const string LedgerDirectory = "_ledger";

    /// <summary>
    /// Writes a completing list's entries to its day files, each replaced whole, before its marks let go of them; a crash
    /// in between leaves them in both, which a read counts once.
    /// </summary>
    internal static async Task KeepAsync(string root, string list, ArchiveMarks marks, CancellationToken cancellationToken)
    {
        if (marks.PrivateList is not { } privateList)
        {
            return;
        }

        foreach (var day in marks.Ledger.GroupBy(commit => DayDirectory(commit.CommittedAtMs)))
        {
            var path = Path.Combine(root, LedgerDirectory, day.Key, list + ".json");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await DurableDirectory.WriteFileAsync(path, new ArchiveLedgerFile(privateList, [.. day]), ArchiveJsonContext.Default.ArchiveLedgerFile, cancellationToken);
        }
    }

    /// <summary>The archive's commits of the stream in [from, to): their totals, and the entries after <paramref name="after"/>, at most <paramref name="limit"/>.</summary>
    public async Task<(LedgerTotals Totals, LedgerEntry[] Entries)> ReadAsync(
        string stream, DateTimeOffset from, DateTimeOffset to, long after, int limit, CancellationToken cancellationToken)
    {
        var root = archive.StreamDirectory(stream);
        var (start, end) = (from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        var commits = new Dictionary<(string List, int Partition, long Start), ArchiveCommit>();

        // The marks first: a list that completes meanwhile is then found in the day files, never in neither.
        foreach (var path in JsonFiles(Path.Combine(root, "_marks")))
        {
            if (await ReadAsync(path, async file => await ArchiveMarks.ReadAsync(file, cancellationToken)) is { PrivateList: { } list } marks)
            {
                Add(list, marks.Ledger);
            }
        }

        for (var day = from.UtcDateTime.Date; day < to.UtcDateTime; day = day.AddDays(1))
        {
            foreach (var path in JsonFiles(Path.Combine(root, LedgerDirectory, DayDirectory(day))))
            {
                if (await ReadAsync(path, file => DurableDirectory.ReadFileAsync(file, ArchiveJsonContext.Default.ArchiveLedgerFile, cancellationToken)) is { } kept)
                {
                    Add(kept.PrivateList, kept.Commits);
                }
            }
        }

        var ordered = commits
            .OrderBy(commit => commit.Value.CommittedAtMs).ThenBy(commit => commit.Key.List, StringComparer.Ordinal)
            .ThenBy(commit => commit.Key.Partition).ThenBy(commit => commit.Key.Start)
            .ToArray();
        var (events, checksum) = (0L, 0L);
        foreach (var (_, commit) in ordered)
        {
            (events, checksum) = (events + commit.Events, checksum ^ commit.Checksum);
        }

        var entries = ordered
            .Select((commit, index) => new LedgerEntry(
                index + 1, StreamSinks.Parquet, commit.Key.List, commit.Key.Partition, commit.Key.Start, commit.Value.End, commit.Value.Events,
                LedgerCommit.Format(commit.Value.Checksum), DateTimeOffset.FromUnixTimeMilliseconds(commit.Value.CommittedAtMs)))
            .Skip((int)Math.Min(after, ordered.Length))
            .Take(limit);
        return (new LedgerTotals(ordered.Length, events, LedgerCommit.Format(checksum)), [.. entries]);

        void Add(string list, ArchiveCommit[] listed)
        {
            foreach (var commit in listed.Where(commit => commit.CommittedAtMs >= start && commit.CommittedAtMs < end))
            {
                commits[(list, commit.Partition, commit.Start)] = commit;
            }
        }
    }

    private static IEnumerable<string> JsonFiles(string directory) =>
        Directory.Exists(directory) ? Directory.EnumerateFiles(directory, "*.json") : [];

    /// <summary>A small file read, or null when it went between listing and reading (marks forgotten a week after their list completed).</summary>
    private static async Task<T?> ReadAsync<T>(string path, Func<string, Task<T?>> read)
        where T : class
    {
        try
        {
            return await read(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private static string DayDirectory(long unixMs) => DayDirectory(DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime);

    private static string DayDirectory(DateTime day) => string.Create(CultureInfo.InvariantCulture, $"date={day:yyyy-MM-dd}");
}
