using System.Diagnostics.Metrics;
using ClickOrleans.Drain;
using ClickOrleans.Sinks.Parquet;
using ClickOrleans.Streams;
using ClickOrleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ClickOrleans.Tests.Sinks;

/// <summary>
/// The archive's compaction on its own, read back with DuckDB: an hour's small files merged into one with each event
/// once and the same column types; hours still open, files already large and another silo's hour left alone; files of
/// two schema versions kept apart; and each state a compaction that died can leave — a merged file before its journal,
/// a journal before its rename, a rename before its deletes — read as each event once after the next pass.
/// </summary>
[Trait("Category", "AnyRedis")]
public sealed class ArchiveCompactionTests : IDisposable
{
    private static readonly DateTimeOffset HourOfTheClicks = DateTimeOffset.FromUnixTimeMilliseconds(ClickBatch.ClickedAt);

    private readonly string _lake = Path.Combine(Path.GetTempPath(), "clickorleans-lake-" + Guid.NewGuid().ToString("N"));
    private readonly TestData _data = new();

    private string Hour => Path.Combine(_lake, "stream=clicks", "date=2026-11-27", "hour=10");

    private string JournalPath => Path.Combine(_lake, "stream=clicks", "_compactions", "2026-11-27T10.json");

    [Fact]
    public async Task SmallFilesOfAClosedHour_AreMergedIntoOne_WithEachEventOnce_AndTheSameColumnTypes()
    {
        var options = Options();
        var archive = TestArchive.Create(options);
        await WriteAsync(archive, 0, 20, 40, 60, 80, 100);
        Assert.Equal(5, ParquetFiles().Length);
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = meters.GetRequiredService<IMeterFactory>();
        using var compacted = new MetricCollector<long>(meterFactory, DrainTelemetry.Name, "clickorleans.archive.compacted");

        Assert.Equal(5, await TestArchive.Compaction(archive, options, meters: meterFactory).CompactAsync(ClickStream.Name, CancellationToken.None));

        Assert.StartsWith("compacted-", Path.GetFileName(Assert.Single(ParquetFiles())), StringComparison.Ordinal);
        Assert.Equal(Ids(0, 100), TestLake.EventIds(_lake, ClickStream.Name).Order());
        var types = TestLake.Query(_lake, ClickStream.Name,
            $"SELECT DISTINCT typeof(event_id), typeof(ts), typeof(uid), typeof(client_id) FROM {TestLake.Files(_lake, ClickStream.Name)}",
            reader => (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        Assert.Equal([("UUID", "TIMESTAMP WITH TIME ZONE", "BIGINT", "VARCHAR")], types);
        Assert.False(File.Exists(JournalPath));
        Assert.Equal(5, compacted.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(ClickStream.Name, compacted.LastMeasurement!.Tags["stream"]);

        // The archive's marks are its own: a replay writes nothing again, and a second pass finds nothing to do.
        Assert.Equal(0, await archive.WriteAsync(ClickBatch.Of(_data, 0, 0, 100).ToEvents(), [], CancellationToken.None));
        Assert.Equal(0, await TestArchive.Compaction(archive, options).CompactAsync(ClickStream.Name, CancellationToken.None));
    }

    [Fact]
    public async Task AnHour_IsCompactedOnlyOnceItEndedACompactionPeriodAgo()
    {
        var options = Options();
        var archive = TestArchive.Create(options);
        await WriteAsync(archive, 0, 50, 100);
        var time = new FakeTimeProvider(HourOfTheClicks.AddMinutes(65));
        var compaction = TestArchive.Compaction(archive, options, time);

        Assert.Equal(0, await compaction.CompactAsync(ClickStream.Name, CancellationToken.None));
        Assert.Equal(2, ParquetFiles().Length);

        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(2, await compaction.CompactAsync(ClickStream.Name, CancellationToken.None));
        Assert.Single(ParquetFiles());
    }

    [Fact]
    public async Task FilesOfTheCompactedSize_AreLeftAsTheyAre()
    {
        var options = Options();
        var archive = TestArchive.Create(options);
        await WriteAsync(archive, 0, 2000, 2001, 2002, 2003);
        var large = ParquetFiles().MaxBy(file => new FileInfo(file).Length)!;
        options.CompactedFileSize = new FileInfo(large).Length;

        Assert.Equal(3, await TestArchive.Compaction(archive, options).CompactAsync(ClickStream.Name, CancellationToken.None));

        Assert.Equal(2, ParquetFiles().Length);
        Assert.Contains(large, ParquetFiles());
        Assert.Equal(Ids(0, 2003), TestLake.EventIds(_lake, ClickStream.Name).Order());
    }

    [Fact]
    public async Task AnHourAnotherSiloCompacts_IsSkipped_NotWaitedFor()
    {
        var options = Options();
        var archive = TestArchive.Create(options);
        await WriteAsync(archive, 0, 50, 100);
        Directory.CreateDirectory(Path.GetDirectoryName(JournalPath)!);

        using (new FileStream(Path.ChangeExtension(JournalPath, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            Assert.Equal(0, await TestArchive.Compaction(archive, options).CompactAsync(ClickStream.Name, CancellationToken.None));
            Assert.Equal(2, ParquetFiles().Length);
        }

        Assert.Equal(2, await TestArchive.Compaction(archive, options).CompactAsync(ClickStream.Name, CancellationToken.None));
    }

    [Fact]
    public async Task FilesOfTwoSchemaVersions_AreMergedApart_AndReadSideBySide()
    {
        var options = Options();
        var archive = TestArchive.Create(options);
        await WriteAsync(archive, 0, 10, 20);
        var extended = TestArchive.Clicks(("Streams:clicks:Fields:referrer:Type", "string"));
        var rules = extended.RulesOf(extended.Clicks);
        var later = TestArchive.Create(options, extended);
        foreach (var (from, to) in new[] { (20, 30), (30, 40) })
        {
            await later.WriteAsync(TestEvents.Batch(rules, ClickBatch.PrivateListOf(_data), 0, from, to, [.. Enumerable.Range(from, to - from)
                .Select(i => new TestEvent(i, Guid.CreateVersion7(), null, ClickBatch.ClickedAt + i, [_data.Uid, _data.Pid(i), $"https://example.com/{i}"]))]), [], CancellationToken.None);
        }

        Assert.Equal(4, await TestArchive.Compaction(later, options).CompactAsync(ClickStream.Name, CancellationToken.None));

        Assert.Equal(2, ParquetFiles().Length);
        var referrers = TestLake.Query(_lake, ClickStream.Name,
            $"SELECT count(*), count(DISTINCT event_id), count(referrer) FROM {TestLake.Files(_lake, ClickStream.Name)}",
            reader => (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
        Assert.Equal([(40L, 40L, 20L)], referrers);
    }

    /// <summary>A compaction died after its merged file and before its journal: the inputs are the data, and the next pass deletes that file.</summary>
    [Fact]
    public async Task ACompactionThatDiedBeforeItsJournal_LeftItsInputsValid()
    {
        var options = Options();
        var archive = TestArchive.Create(options);
        await WriteAsync(archive, 0, 30, 60, 100);
        var inputs = ParquetFiles();
        var merged = Path.Combine(Hour, "compacted-dead.parquet.tmp");
        await ParquetMerge.MergeAsync(inputs[..2], merged, CancellationToken.None);
        Assert.Equal(Ids(0, 100), TestLake.EventIds(_lake, ClickStream.Name).Order());

        await TestArchive.Compaction(archive, options).CompactAsync(ClickStream.Name, CancellationToken.None);

        Assert.False(File.Exists(merged));
        Assert.Single(ParquetFiles());
        Assert.Equal(Ids(0, 100), TestLake.EventIds(_lake, ClickStream.Name).Order());
    }

    /// <summary>
    /// A compaction died after its journal: before renaming its merged file, or after it and before deleting all its
    /// inputs (then, until the next pass, a reader sees the rows of the inputs left twice). The next pass completes it.
    /// </summary>
    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(true, 1)]
    public async Task ACompactionThatDiedAfterItsJournal_IsRolledForward_ByTheNextPass(bool renamed, int inputsDeleted)
    {
        var options = Options();
        var archive = TestArchive.Create(options);
        await WriteAsync(archive, 0, 30, 60, 100);
        var inputs = ParquetFiles()[..2];
        var output = Path.Combine(Hour, "compacted-dead.parquet");
        await ParquetMerge.MergeAsync(inputs, output + ParquetArchive.Temporary, CancellationToken.None);
        Directory.CreateDirectory(Path.GetDirectoryName(JournalPath)!);
        await new CompactionJournal(Path.GetFileName(output), [.. inputs.Select(Path.GetFileName)!]).WriteAsync(JournalPath, CancellationToken.None);
        if (renamed)
        {
            File.Move(output + ParquetArchive.Temporary, output);
        }

        inputs.Take(inputsDeleted).ToList().ForEach(File.Delete);

        await TestArchive.Compaction(archive, options).CompactAsync(ClickStream.Name, CancellationToken.None);

        Assert.False(File.Exists(JournalPath));
        Assert.Single(ParquetFiles());
        Assert.Equal(Ids(0, 100), TestLake.EventIds(_lake, ClickStream.Name).Order());
    }

    public void Dispose()
    {
        if (Directory.Exists(_lake))
        {
            Directory.Delete(_lake, recursive: true);
        }
    }

    private ParquetSinkOptions Options() => new() { Directory = _lake };

    /// <summary>Archives the clicks between consecutive positions of <paramref name="bounds"/>, one file per write.</summary>
    private async Task WriteAsync(ParquetArchive archive, params int[] bounds)
    {
        for (var i = 1; i < bounds.Length; i++)
        {
            await archive.WriteAsync(ClickBatch.Of(_data, 0, bounds[i - 1], bounds[i]).ToEvents(), [], CancellationToken.None);
        }
    }

    private string[] ParquetFiles() => [.. Directory.GetFiles(_lake, "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    private IEnumerable<Guid> Ids(int from, int to) => ClickBatch.Of(_data, 0, from, to).Clicks.Select(click => click.EventId).Order();
}
