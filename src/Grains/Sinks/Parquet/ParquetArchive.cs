using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using ClickOrleans.Streams;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Sinks.Parquet;

/// <summary>
/// The Parquet archive: the events of every stream that lists <c>parquet</c> among its sinks, as files under
/// <c>stream=&lt;name&gt;/date=YYYY-MM-DD/hour=HH/</c> (by event time, UTC), each write exactly once by progress marks of
/// its own, kept per private list in <c>stream=&lt;name&gt;/_marks</c> with the list's ledger entries (<see cref="ArchiveLedger"/>).
/// </summary>
/// <remarks>
/// A write of a partition, under its list's lock (in this process and, by a POSIX lock on a file, in every other):
/// roll forward the files the marks committed last; write the events above the partition's mark to
/// <c>&lt;name&gt;.parquet.tmp</c> files (one per hour) and flush them to disk; replace the marks by rename, with the new
/// mark and those files listed as committed; rename the files to <c>&lt;name&gt;.parquet</c>. A crash before the marks
/// leaves temporary files no <c>*.parquet</c> reader sees, deleted at the next start, and the old mark, so the replay
/// (with any chunk size) writes those events again; a crash after leaves the new mark and files the next write or start
/// renames: never a duplicate, never a gap.
/// </remarks>
public sealed partial class ParquetArchive(IOptions<ParquetSinkOptions> options, StreamCatalog streams, SchemaVersions versions, TimeProvider time)
{
    /// <summary>The suffix of a file written but not yet committed: no <c>*.parquet</c> reader sees it.</summary>
    internal const string Temporary = ".tmp";
    private static readonly TimeSpan KeepCompleted = TimeSpan.FromDays(7);

    private readonly string _lake = Path.GetFullPath(options.Value.Directory);
    private readonly Dictionary<string, SemaphoreSlim> _writers = streams.Streams.Where(stream => stream.Archived)
        .ToDictionary(stream => stream.Name, _ => new SemaphoreSlim(1, 1), StringComparer.Ordinal);

    /// <summary>The lake's full path.</summary>
    public string Lake => _lake;

    /// <summary>Whether the stream's events are archived.</summary>
    public bool Archives(string stream) => _writers.ContainsKey(stream);

    /// <summary>
    /// At start: finishes what a crash interrupted in every archived stream: renames the files its marks committed and
    /// deletes temporary files no marks committed.
    /// </summary>
    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        foreach (var stream in _writers.Keys)
        {
            var root = StreamDirectory(stream);
            Directory.CreateDirectory(Path.Combine(root, "_marks"));
            foreach (var marks in Directory.EnumerateFiles(Path.Combine(root, "_marks"), "*.json"))
            {
                await using var listLock = await FileLock.AcquireAsync(Path.ChangeExtension(marks, ".lock"), cancellationToken);
                RollForward(root, await ArchiveMarks.ReadAsync(marks, cancellationToken));
            }

            foreach (var orphan in Directory.EnumerateFiles(root, "*.parquet" + Temporary, SearchOption.AllDirectories))
            {
                if (DataFile().Match(Path.GetFileName(orphan)) is not { Success: true } name)
                {
                    continue;
                }

                var marks = Path.Combine(root, "_marks", name.Groups["list"].Value + ".json");
                await using var listLock = await FileLock.AcquireAsync(Path.ChangeExtension(marks, ".lock"), cancellationToken);
                var committed = (await ArchiveMarks.ReadAsync(marks, cancellationToken)).Pending;
                if (File.Exists(orphan) && !committed.Contains(Path.GetRelativePath(root, orphan[..^Temporary.Length])))
                {
                    File.Delete(orphan);
                }
            }
        }
    }

    /// <summary>Returns when the lake can be written to; throws when it cannot.</summary>
    public Task PingAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Directory.CreateDirectory(_lake);
        var probe = Path.Combine(_lake, $".ping-{Environment.ProcessId}");
        File.WriteAllText(probe, "");
        File.Delete(probe);
        return Task.CompletedTask;
    }

    /// <summary>Archives the batch's events at or above the partition's mark, but those the store refused; moves the mark to the batch's end.</summary>
    /// <param name="refused">Positions the store refused: dead letters, not archived.</param>
    /// <returns>The events archived now.</returns>
    public async Task<int> WriteAsync(EventBatch batch, IReadOnlyCollection<long> refused, CancellationToken cancellationToken)
    {
        var rules = await versions.RulesAsync(batch.Stream, batch.Version, cancellationToken);
        var root = StreamDirectory(batch.Stream);
        var list = ListKey(batch.PrivateList);
        var marksPath = Path.Combine(root, "_marks", list + ".json");
        var writer = _writers[batch.Stream];
        await writer.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(marksPath)!);
            await using var listLock = await FileLock.AcquireAsync(Path.ChangeExtension(marksPath, ".lock"), cancellationToken);
            var marks = await ArchiveMarks.ReadAsync(marksPath, cancellationToken);
            RollForward(root, marks);
            var progress = new PartitionProgress(marks.Partitions.GetValueOrDefault(batch.Partition), marks.CompletedAtMs is not null);
            if (progress.Completed || batch.ChunkEnd <= progress.CommittedTo)
            {
                return 0;
            }

            var events = batch.Events;
            var start = Math.Max(progress.CommittedTo, batch.ChunkStart);
            var rows = Array.FindAll(progress.Unwritten(batch), row => !refused.Contains(events.Positions[row]));
            var files = new List<string>();
            foreach (var hour in rows.GroupBy(row => events.Timestamps[row] / 3_600_000))
            {
                var at = DateTimeOffset.FromUnixTimeMilliseconds(hour.Key * 3_600_000);
                var file = string.Create(CultureInfo.InvariantCulture, $"{HourDirectory(at)}/{list}-p{batch.Partition}-{start}-{batch.ChunkEnd}.parquet");
                var path = Path.Combine(root, file);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await using (var data = new FileStream(path + Temporary, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    await ParquetColumns.WriteAsync(data, rules, events, [.. hour], cancellationToken);
                    data.Flush(flushToDisk: true);
                }

                files.Add(file);
            }

            var moved = new Dictionary<int, long>(marks.Partitions) { [batch.Partition] = batch.ChunkEnd };
            var commit = new ArchiveCommit(batch.Partition, start, batch.ChunkEnd, rows.Length, LedgerCommit.ChecksumOf(events, rows), time.GetUtcNow().ToUnixTimeMilliseconds());
            var committed = marks with { Partitions = moved, Pending = [.. files], PrivateList = batch.PrivateList, Ledger = [.. marks.Ledger, commit] };
            await committed.WriteAsync(marksPath, cancellationToken);
            RollForward(root, committed);
            return rows.Length;
        }
        finally
        {
            writer.Release();
        }
    }

    /// <summary>
    /// Marks a fully drained private list complete, so later writes of it are skipped whole, its ledger entries kept in
    /// the stream's ledger first; forgets the marks of lists completed a week ago.
    /// </summary>
    public async Task CompleteAsync(string privateList, CancellationToken cancellationToken)
    {
        var list = ListKey(privateList);
        foreach (var stream in _writers.Keys)
        {
            var root = StreamDirectory(stream);
            var marksPath = Path.Combine(root, "_marks", list + ".json");
            if (!File.Exists(marksPath))
            {
                continue;
            }

            await using (var listLock = await FileLock.AcquireAsync(Path.ChangeExtension(marksPath, ".lock"), cancellationToken))
            {
                var marks = await ArchiveMarks.ReadAsync(marksPath, cancellationToken);
                RollForward(root, marks);
                await ArchiveLedger.KeepAsync(root, list, marks, cancellationToken);
                await (marks with { CompletedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds(), Pending = [], Ledger = [] }).WriteAsync(marksPath, cancellationToken);
            }

            await ForgetCompletedAsync(root, cancellationToken);
        }
    }

    /// <summary>Renames the files the marks committed that still bear their temporary name.</summary>
    private static void RollForward(string root, ArchiveMarks marks)
    {
        foreach (var file in marks.Pending)
        {
            var path = Path.Combine(root, file);
            if (File.Exists(path + Temporary))
            {
                File.Move(path + Temporary, path, overwrite: true);
                DurableDirectory.Sync(Path.GetDirectoryName(path)!);
            }
        }
    }

    // No stale drain outlives a week: the marks of lists completed before that go.
    private async Task ForgetCompletedAsync(string root, CancellationToken cancellationToken)
    {
        var before = time.GetUtcNow() - KeepCompleted;
        foreach (var marksPath in Directory.EnumerateFiles(Path.Combine(root, "_marks"), "*.json").Where(path => File.GetLastWriteTimeUtc(path) < before.UtcDateTime))
        {
            var marks = await ArchiveMarks.ReadAsync(marksPath, cancellationToken);
            if (marks.CompletedAtMs < before.ToUnixTimeMilliseconds())
            {
                File.Delete(marksPath);
                File.Delete(Path.ChangeExtension(marksPath, ".lock"));
            }
        }
    }

    /// <summary>The streams whose events are archived.</summary>
    public IEnumerable<string> Streams => _writers.Keys;

    /// <summary>The stream's directory in the lake: <c>stream=&lt;name&gt;</c>.</summary>
    public string StreamDirectory(string stream) => Path.Combine(_lake, "stream=" + stream);

    /// <summary>The directory of a stream's events of one UTC hour, below the stream's: <c>date=YYYY-MM-DD/hour=HH</c>.</summary>
    public static string HourDirectory(DateTimeOffset hour) => string.Create(CultureInfo.InvariantCulture, $"date={hour.UtcDateTime:yyyy-MM-dd}/hour={hour.UtcDateTime:HH}");

    /// <summary>A private list's name as a file name: its safe characters, and a hash of the whole name, which has braces and colons.</summary>
    private static string ListKey(string privateList)
    {
        var safe = new StringBuilder(privateList.Length);
        foreach (var c in privateList)
        {
            safe.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        return safe.Append('.').Append(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(privateList)))[..12]).ToString();
    }

    [GeneratedRegex(@"^(?<list>.+)-p\d+-\d+-\d+\.parquet\.tmp$")]
    private static partial Regex DataFile();
}
