using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Sinks.Parquet;

/// <summary>
/// Merges the archive's small files, hour by hour, into files of at least <see cref="ParquetSinkOptions.CompactedFileSize"/>:
/// each partition write is a file of its own, a few hundred kilobytes, and readers pay per file.
/// </summary>
/// <remarks>
/// An hour's compaction, under the hour's lock (<c>stream=&lt;name&gt;/_compactions/&lt;date&gt;T&lt;hour&gt;.lock</c>,
/// held by one silo at a time): roll forward the journal a dead compaction left; delete merged files it wrote before its
/// journal; merge the hour's small files, of one schema at a time, into <c>compacted-&lt;id&gt;.parquet.tmp</c>, flushed
/// to disk; write the journal naming that file and its inputs; rename it; delete the inputs; delete the journal. A crash
/// before the journal leaves the inputs as they were and a temporary file no <c>*.parquet</c> reader sees; a crash after
/// leaves a journal the next pass over the hour (at the silo's start, or every period on any silo) completes. Writers are
/// never held: they only add files, and a compaction takes only the files it listed.
/// </remarks>
public sealed partial class ArchiveCompaction(
    ParquetArchive archive, IOptions<ParquetSinkOptions> options, ArchiveTelemetry telemetry, TimeProvider time, ILogger<ArchiveCompaction> logger)
{
    private const string Compacted = "compacted-";

    /// <summary>Compacts every hour of the stream that needs it and is not being compacted by another silo.</summary>
    /// <returns>The files merged away.</returns>
    public async Task<int> CompactAsync(string stream, CancellationToken cancellationToken)
    {
        var root = archive.StreamDirectory(stream);
        if (!Directory.Exists(root))
        {
            return 0;
        }

        var journals = Directory.CreateDirectory(Path.Combine(root, "_compactions")).FullName;
        var closedBy = time.GetUtcNow().UtcDateTime - options.Value.CompactionPeriod;
        var merged = 0;
        foreach (var (hour, start) in Hours(root))
        {
            var journal = Path.Combine(journals, start.ToString("yyyy-MM-dd'T'HH", CultureInfo.InvariantCulture) + ".json");
            var closed = start.AddHours(1) <= closedBy;
            if (!File.Exists(journal) && !(closed && (SmallFiles(hour).Count() > 1 || Directory.EnumerateFiles(hour, Compacted + "*" + ParquetArchive.Temporary).Any())))
            {
                continue;
            }

            await using var hourLock = FileLock.TryAcquire(Path.ChangeExtension(journal, ".lock"));
            if (hourLock is not null)
            {
                merged += await CompactHourAsync(stream, hour, journal, closed, cancellationToken);
            }
        }

        return merged;
    }

    private async Task<int> CompactHourAsync(string stream, string hour, string journalPath, bool closed, CancellationToken cancellationToken)
    {
        if (await CompactionJournal.ReadAsync(journalPath, cancellationToken) is { } unfinished)
        {
            unfinished.RollForward(hour);
            DeleteJournal(journalPath);
        }

        foreach (var orphan in Directory.EnumerateFiles(hour, Compacted + "*" + ParquetArchive.Temporary))
        {
            File.Delete(orphan);
        }

        if (!closed)
        {
            return 0;
        }

        var merged = 0;
        var label = Path.GetRelativePath(archive.StreamDirectory(stream), hour);
        foreach (var inputs in await GroupsAsync(hour))
        {
            var output = Compacted + Guid.CreateVersion7().ToString("N") + ".parquet";
            var rows = await ParquetMerge.MergeAsync([.. inputs.Select(input => Path.Combine(hour, input))], Path.Combine(hour, output + ParquetArchive.Temporary), cancellationToken);
            var journal = new CompactionJournal(output, [.. inputs]);
            await journal.WriteAsync(journalPath, cancellationToken);
            journal.RollForward(hour);
            DeleteJournal(journalPath);
            LogCompacted(logger, stream, label, inputs.Count, rows, output);
            telemetry.RecordCompacted(stream, inputs.Count);
            merged += inputs.Count;
        }

        return merged;
    }

    /// <summary>The hour's small files, by schema, in groups of at least the compacted size (the last: what is left), of two files or more.</summary>
    private async Task<List<List<string>>> GroupsAsync(string hour)
    {
        var target = options.Value.CompactedFileSize;
        var groups = new List<List<string>>();
        var bySchema = new Dictionary<string, (List<string> Files, long Bytes)>(StringComparer.Ordinal);
        foreach (var file in SmallFiles(hour).OrderBy(file => file.Name, StringComparer.Ordinal))
        {
            var schema = await ParquetMerge.SchemaOfAsync(file.FullName);
            var (files, bytes) = bySchema.GetValueOrDefault(schema, ([], 0));
            files.Add(file.Name);
            bytes += file.Length;
            if (bytes >= target)
            {
                groups.Add(files);
                (files, bytes) = ([], 0);
            }

            bySchema[schema] = (files, bytes);
        }

        groups.AddRange(bySchema.Values.Select(rest => rest.Files));
        groups.RemoveAll(group => group.Count < 2);
        return groups;
    }

    private IEnumerable<FileInfo> SmallFiles(string hour) =>
        new DirectoryInfo(hour).EnumerateFiles("*.parquet").Where(file => file.Length < options.Value.CompactedFileSize);

    /// <summary>The stream's hour directories, <c>date=YYYY-MM-DD/hour=HH</c>, with the hour's start.</summary>
    private static IEnumerable<(string Directory, DateTime Start)> Hours(string root)
    {
        foreach (var date in Directory.EnumerateDirectories(root, "date=*"))
        {
            if (!DateTime.TryParseExact(Path.GetFileName(date)["date=".Length..], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var day))
            {
                continue;
            }

            foreach (var hour in Directory.EnumerateDirectories(date, "hour=*"))
            {
                if (int.TryParse(Path.GetFileName(hour)["hour=".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var h) && h < 24)
                {
                    yield return (hour, day.AddHours(h));
                }
            }
        }
    }

    private static void DeleteJournal(string path)
    {
        File.Delete(path);
        DurableDirectory.Sync(Path.GetDirectoryName(path)!);
    }

    [LoggerMessage(EventId = 1402, Level = LogLevel.Information,
        Message = "Compacted {Files} files of stream {Stream}, {Hour}, into {Output}: {Rows} events")]
    private static partial void LogCompacted(ILogger logger, string stream, string hour, int files, long rows, string output);
}
