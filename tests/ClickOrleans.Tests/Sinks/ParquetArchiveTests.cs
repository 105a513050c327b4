using ClickOrleans.Sinks.Parquet;
using ClickOrleans.Streams;
using ClickOrleans.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace ClickOrleans.Tests.Sinks;

/// <summary>
/// The Parquet archive on its own, read back with DuckDB: each event once through replays of any chunk size, refused
/// events left out, a completed list skipped, and the two states a crash can leave — files written but not committed,
/// and files committed but not renamed — resolved at the next start, never read as data twice or lost.
/// </summary>
[Trait("Category", "AnyRedis")]
public sealed class ParquetArchiveTests : IDisposable
{
    private readonly string _lake = Path.Combine(Path.GetTempPath(), "clickorleans-lake-" + Guid.NewGuid().ToString("N"));
    private readonly StreamCatalog _streams = TestArchive.Clicks();

    [Fact]
    public async Task SameEventsAgain_InAnyChunkSize_AreArchivedOnce()
    {
        var archive = Archive();
        var data = new TestData();
        await archive.OpenAsync(CancellationToken.None);

        Assert.Equal(60, await archive.WriteAsync(Batch(data, 0, 0, 60), [], CancellationToken.None));
        Assert.Equal(40, await archive.WriteAsync(Batch(data, 0, 40, 100), [], CancellationToken.None));
        Assert.Equal(0, await archive.WriteAsync(Batch(data, 0, 40, 100), [], CancellationToken.None));
        Assert.Equal(0, await archive.WriteAsync(Batch(data, 0, 0, 100), [], CancellationToken.None));

        Assert.Equal(Ids(data, 0, 100), TestLake.EventIds(_lake, ClickStream.Name).Order());
    }

    [Fact]
    public async Task EventsTheStoreRefused_AreLeftOut_AndTheMarkMovesPastThem()
    {
        var archive = Archive();
        var data = new TestData();

        Assert.Equal(98, await archive.WriteAsync(Batch(data, 0, 0, 100), [13, 61], CancellationToken.None));
        Assert.Equal(0, await archive.WriteAsync(Batch(data, 0, 0, 100), [], CancellationToken.None));

        Assert.Equal(Ids(data, 0, 100).Where((_, i) => i is not 13 and not 61), TestLake.EventIds(_lake, ClickStream.Name).Order());
    }

    [Fact]
    public async Task ACompletedList_IsSkippedWhole()
    {
        var archive = Archive();
        var data = new TestData();
        await archive.WriteAsync(Batch(data, 0, 0, 50), [], CancellationToken.None);
        await archive.CompleteAsync(PrivateList(data), CancellationToken.None);

        Assert.Equal(0, await archive.WriteAsync(Batch(data, 0, 50, 100), [], CancellationToken.None));
        Assert.Equal(50, TestLake.EventIds(_lake, ClickStream.Name).Count);
    }

    /// <summary>
    /// A write that died after its files and before its marks leaves a temporary file (here: what a write of [60, 100)
    /// would leave): no reader sees it, the next start deletes it, and the replay archives those events once.
    /// </summary>
    [Fact]
    public async Task FilesWrittenButNotCommitted_AreNotData_AndTheReplayWritesThemOnce()
    {
        var data = new TestData();
        await Archive().WriteAsync(Batch(data, 0, 0, 60), [], CancellationToken.None);
        var committed = Directory.GetFiles(_lake, "*.parquet", SearchOption.AllDirectories).Single();
        var orphan = committed.Replace("-0-60.parquet", "-60-100.parquet.tmp", StringComparison.Ordinal);
        File.Copy(committed, orphan);

        Assert.Equal(60, TestLake.EventIds(_lake, ClickStream.Name).Count);
        var restarted = Archive();
        await restarted.OpenAsync(CancellationToken.None);
        Assert.False(File.Exists(orphan));
        Assert.Equal(40, await restarted.WriteAsync(Batch(data, 0, 60, 100), [], CancellationToken.None));
        Assert.Equal(Ids(data, 0, 100), TestLake.EventIds(_lake, ClickStream.Name).Order());
    }

    /// <summary>
    /// A write that died after its marks and before its renames leaves its files under their temporary name: the next
    /// start (or write) renames them, and the replay writes nothing again.
    /// </summary>
    [Fact]
    public async Task FilesCommittedButNotRenamed_AreRenamedAtTheNextStart_AndNotWrittenAgain()
    {
        var data = new TestData();
        await Archive().WriteAsync(Batch(data, 0, 0, 60), [], CancellationToken.None);
        var committed = Directory.GetFiles(_lake, "*.parquet", SearchOption.AllDirectories).Single();
        File.Move(committed, committed + ".tmp");
        Assert.Empty(TestLake.EventIds(_lake, ClickStream.Name));

        var restarted = Archive();
        await restarted.OpenAsync(CancellationToken.None);
        Assert.True(File.Exists(committed));
        Assert.Equal(0, await restarted.WriteAsync(Batch(data, 0, 0, 60), [], CancellationToken.None));
        Assert.Equal(Ids(data, 0, 60), TestLake.EventIds(_lake, ClickStream.Name).Order());
    }

    [Fact]
    public async Task Files_AreHivePartitionedByEventHour_WithTypedColumns()
    {
        var data = new TestData();
        await Archive().WriteAsync(Batch(data, 0, 0, 100), [], CancellationToken.None);

        var partitions = TestLake.Query(_lake, ClickStream.Name,
            $"SELECT date::VARCHAR, hour::VARCHAR, count(*), typeof(any_value(event_id)), typeof(any_value(ts)), typeof(any_value(uid)), min(uid) FROM {TestLake.Files(_lake, ClickStream.Name)} GROUP BY ALL ORDER BY ALL",
            reader => (reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetInt64(6)));

        Assert.Equal([("2026-11-27", "10", 100L, "UUID", "TIMESTAMP WITH TIME ZONE", "BIGINT", data.Uid)], partitions);
    }

    /// <summary>
    /// A field added to the stream is a nullable column of the files written after it: the files of both schema
    /// versions read together by name, the earlier events with the new column null.
    /// </summary>
    [Fact]
    public async Task FilesOfTwoSchemaVersions_ReadSideBySide_TheNewFieldNullInTheOlderFiles()
    {
        var data = new TestData();
        await Archive().WriteAsync(Batch(data, 0, 0, 10), [], CancellationToken.None);
        var extended = TestArchive.Clicks(("Streams:clicks:Fields:referrer:Type", "string"));
        var rules = extended.RulesOf(extended.Clicks);
        var later = TestEvents.Batch(rules, ClickBatch.PrivateListOf(data), 0, 10, 20, [.. Enumerable.Range(10, 10)
            .Select(i => new TestEvent(i, Guid.CreateVersion7(), null, ClickBatch.ClickedAt + i, [data.Uid, data.Pid(i), $"https://example.com/{i}"]))]);
        await Archive(streams: extended).WriteAsync(later, [], CancellationToken.None);

        var referrers = TestLake.Query(_lake, ClickStream.Name,
            $"SELECT count(*), count(referrer), min(referrer) FROM {TestLake.Files(_lake, ClickStream.Name)}",
            reader => (reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2)));

        Assert.NotEqual(ClickBatch.Rules.Version, rules.Version);
        Assert.Equal([(20L, 10L, "https://example.com/10")], referrers);
    }

    [Fact]
    public async Task MarksOfListsCompletedAWeekAgo_AreForgotten()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var archive = Archive(time);
        var old = new TestData();
        var recent = new TestData();
        await archive.WriteAsync(Batch(old, 0, 0, 10), [], CancellationToken.None);
        await archive.CompleteAsync(PrivateList(old), CancellationToken.None);

        time.Advance(TimeSpan.FromDays(8));
        await archive.WriteAsync(Batch(recent, 0, 0, 10), [], CancellationToken.None);
        await archive.CompleteAsync(PrivateList(recent), CancellationToken.None);

        var marks = Directory.GetFiles(Path.Combine(_lake, "stream=clicks", "_marks")).Select(Path.GetFileName).ToArray();
        Assert.Equal(2, marks.Length);
        Assert.All(marks, file => Assert.StartsWith("_" + recent.StagingKey.Replace('-', '_'), file, StringComparison.Ordinal));
        Assert.Equal(20, TestLake.EventIds(_lake, ClickStream.Name).Count);
    }

    /// <summary>
    /// The archive's ledger: an entry per write it committed (positions from its mark, events archived, refused ones not
    /// counted; a replay of what it holds adds none), whose checksums XOR to the checksum of the ids in its files. A list's
    /// entries outlive its marks, forgotten a week after it completed; a crash between keeping them and clearing the marks
    /// leaves them in both, counted once.
    /// </summary>
    [Fact]
    public async Task TheLedger_HasAnEntryPerCommittedWrite_OutlivesTheMarks_AndCountsEachOnce()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var archive = Archive(time);
        var ledger = new ArchiveLedger(archive);
        var (first, second) = (new TestData(), new TestData());
        var since = time.GetUtcNow();
        await archive.WriteAsync(Batch(first, 0, 0, 60), [13], CancellationToken.None);
        await archive.WriteAsync(Batch(first, 0, 40, 100), [], CancellationToken.None);
        await archive.WriteAsync(Batch(first, 1, 0, 30), [], CancellationToken.None);
        await archive.WriteAsync(Batch(first, 0, 0, 100), [], CancellationToken.None);
        var marks = Directory.GetFiles(Path.Combine(_lake, "stream=clicks", "_marks"), "*.json").Single();
        var uncleared = await File.ReadAllBytesAsync(marks);
        await archive.CompleteAsync(PrivateList(first), CancellationToken.None);
        time.Advance(TimeSpan.FromDays(8));
        await archive.WriteAsync(Batch(second, 0, 0, 10), [], CancellationToken.None);
        await archive.CompleteAsync(PrivateList(second), CancellationToken.None);
        Assert.False(File.Exists(marks), "the first list's marks were not forgotten");

        var (totals, entries) = await ledger.ReadAsync(ClickStream.Name, since, time.GetUtcNow().AddMinutes(1), 0, 1000, CancellationToken.None);
        Assert.Equal(
            [(1L, PrivateList(first), 0, 0L, 60L, 59), (2, PrivateList(first), 0, 60, 100, 40), (3, PrivateList(first), 1, 0, 30, 30), (4, PrivateList(second), 0, 0, 10, 10)],
            entries.Select(entry => (entry.Id, entry.PrivateList, entry.Partition, entry.Start, entry.End, entry.Events)));
        Assert.All(entries, entry => Assert.Equal(StreamSinks.Parquet, entry.Sink));
        Assert.Equal(new LedgerTotals(4, 139, TestLedger.Checksum(TestLake.EventIds(_lake, ClickStream.Name))), totals);
        Assert.Equal(TestLedger.Checksum(Ids(second, 0, 10)), entries[3].Checksum);

        var (_, page) = await ledger.ReadAsync(ClickStream.Name, since, time.GetUtcNow().AddMinutes(1), 2, 1, CancellationToken.None);
        Assert.Equal([3L], page.Select(entry => entry.Id));
        var (firstDay, _) = await ledger.ReadAsync(ClickStream.Name, since, since.AddDays(1), 0, 1000, CancellationToken.None);
        Assert.Equal(3, firstDay.Commits);

        await File.WriteAllBytesAsync(marks, uncleared); // as if the silo died after keeping the entries, before clearing its marks
        Assert.Equal(totals, (await ledger.ReadAsync(ClickStream.Name, since, time.GetUtcNow().AddMinutes(1), 0, 1000, CancellationToken.None)).Totals);
    }

    public void Dispose()
    {
        if (Directory.Exists(_lake))
        {
            Directory.Delete(_lake, recursive: true);
        }
    }

    /// <param name="streams">The streams as the silo declares them; by default clicks with both sinks.</param>
    private ParquetArchive Archive(TimeProvider? time = null, StreamCatalog? streams = null) =>
        TestArchive.Create(new ParquetSinkOptions { Directory = _lake }, streams ?? _streams, time);

    private static string PrivateList(TestData data) => ClickBatch.PrivateListOf(data);

    private static IEnumerable<Guid> Ids(TestData data, int from, int to) => ClickBatch.Of(data, 0, from, to).Clicks.Select(click => click.EventId).Order();

    private static EventBatch Batch(TestData data, int partition, int from, int to) => ClickBatch.Of(data, partition, from, to).ToEvents();
}
