using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClickOrleans.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClickOrleans.Tests.Chaos;

/// <summary>
/// The Parquet archive, its compaction and the backfill from it under kill -9, on real silo processes sharing one
/// lake: every click in PostgreSQL and in the archive exactly once, and no temporary file left to be mistaken for data.
/// </summary>
[Trait("Category", "Chaos")]
public sealed class ArchiveChaosTests(ITestOutputHelper output)
{
    private const int KillRounds = 10;
    private const int BackfillKills = 3;
    private const int ClicksPerRound = 20_000;

    /// <summary>
    /// Each round stages clicks of the last three hours, which compaction merges every second on both silos, waits until
    /// a drain of them is under way, and kills: in even rounds the draining silo at a seeded random moment (in the
    /// store's write, the archive's or a compaction), in odd ones every silo as soon as an archive write or a compaction
    /// has a temporary file (between its files, its marks or journal and its renames); then starts them again. Then
    /// PostgreSQL loses the three hours, and a backfill loads them from the archive while every silo is killed at seeded
    /// random points of it: each click once in PostgreSQL again.
    /// </summary>
    [SkippableFact]
    public async Task SilosKilledInArchiveWritesCompactionsAndABackfill_StoreAndArchiveEachClickOnce_AndLeaveNoTemporaryFile()
    {
        var lake = Directory.CreateTempSubdirectory("clickorleans-lake-").FullName;
        try
        {
            // The Api checks a backfill against the stream's sinks: it reads them as the silos do.
            var sinks = new Dictionary<string, string?> { ["Streams__clicks__Sinks__0"] = "postgres", ["Streams__clicks__Sinks__1"] = "parquet" };
            await using var cluster = await ChaosCluster.StartAsync(silos: 2, new Dictionary<string, string?>(sinks)
            {
                ["Parquet__Directory"] = lake,
                ["Parquet__CompactionPeriod"] = "00:00:01",
            }, apiSettings: sinks);
            var random = new Random(25);
            var started = DateTimeOffset.UtcNow;
            var firstHour = FirstOfLastThreeHours();
            var staged = 0;
            var (leftTemporary, inCompaction) = (0, 0);
            for (var round = 0; round < KillRounds; round++)
            {
                await StageAsync(cluster, staged, ClicksPerRound, firstHour);
                staged += ClicksPerRound;
                var draining = await Poll.UntilAsync(() => cluster.StatsAsync(), stats => stats is { PrivateLists.Length: > 0 }, TimeSpan.FromSeconds(60));
                Assert.True(draining is { PrivateLists.Length: > 0 }, "no drain took the clicks over");
                var killed = round % 2 == 0 ? [Math.Max(0, cluster.AggregatorHost())] : Enumerable.Range(0, cluster.SiloCount).ToArray();
                if (round % 2 == 0)
                {
                    await Task.Delay(random.Next(0, 500)); // the moment of the fault
                }
                else
                {
                    InsideAWrite(lake, TimeSpan.FromSeconds(30));
                }

                await Task.WhenAll(killed.Select(cluster.KillSiloAsync));
                leftTemporary += Directory.GetFiles(lake, "*.tmp", SearchOption.AllDirectories).Length > 0 ? 1 : 0;
                inCompaction += Directory.GetFiles(lake, "compacted-*.tmp", SearchOption.AllDirectories).Length + Journals(lake).Length > 0 ? 1 : 0;
                foreach (var silo in killed)
                {
                    cluster.StartSilo(silo);
                }

                foreach (var silo in killed)
                {
                    await cluster.WaitHealthyAsync(silo);
                }
            }

            await cluster.DrainEverythingAsync();
            var (ids, rollupTotal) = await cluster.SinkAsync();
            var compacted = await Poll.UntilAsync(() => Task.FromResult(Compacted(lake)), done => done, TimeSpan.FromSeconds(90));
            var archived = TestLake.EventIds(lake, "clicks").Select(id => id.ToString("N")).ToList();
            output.WriteLine($"staged={staged} store={ids.Count} archive={archived.Count} files={Directory.GetFiles(lake, "*.parquet", SearchOption.AllDirectories).Length} kills that left a temporary file={leftTemporary}, in a compaction={inCompaction} of {KillRounds}");

            Assert.Equal(staged, ids.Count);
            Assert.Equal(staged, ids.Distinct().Count());
            Assert.Equal(staged, rollupTotal);
            Assert.Equal(ids.Order(), archived.Order());
            Assert.Empty(Directory.GetFiles(lake, "*.parquet.tmp", SearchOption.AllDirectories));
            Assert.True(compacted, "compaction did not merge each hour into one file");

            // The archive's ledger, committed with its marks, has each write once through the kills: it counts the clicks and
            // XORs to the checksum of the ids in its files.
            var ledger = await cluster.Api.GetFromJsonAsync<StreamLedger>(
                $"/streams/clicks/ledger?sink=parquet&from={started.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}&to={DateTimeOffset.UtcNow.AddMinutes(1).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}&limit=1");
            Assert.Equal((staged, TestLedger.Checksum(archived.Select(id => Guid.ParseExact(id, "N")))), (ledger!.Totals.Events, ledger.Totals.Checksum));

            var backfill = await BackfillKilledAsync(cluster, random, DateTimeOffset.FromUnixTimeMilliseconds(firstHour));
            var (backfilled, backfilledRollupTotal) = await cluster.SinkAsync();
            output.WriteLine($"backfill: {backfill}");
            Assert.Equal("done", backfill.GetProperty("state").GetString());
            Assert.Equal(ids.Order(), backfilled.Order());
            Assert.Equal(staged, backfilledRollupTotal);
        }
        finally
        {
            Directory.Delete(lake, recursive: true);
        }
    }

    /// <summary>
    /// PostgreSQL out of reach while archived clicks drain: the archive does not go on without the store (it leaves out
    /// what the store refuses, so it waits for the store's answer), the stream holds back, and the silo's <c>/health</c>
    /// and the stream's stats name the sink; once PostgreSQL is back, each click is in both sinks once, and each sink's
    /// stats count each click once.
    /// </summary>
    [SkippableFact]
    public async Task StoreOutage_HoldsTheArchivedStreamBack_NamesTheSink_AndBothSinksCatchUpOnce()
    {
        var lake = Directory.CreateTempSubdirectory("clickorleans-lake-").FullName;
        try
        {
            await using var cluster = await ChaosCluster.StartAsync(silos: 1, new Dictionary<string, string?>
            {
                ["Streams__clicks__Sinks__0"] = "postgres",
                ["Streams__clicks__Sinks__1"] = "parquet",
                ["Parquet__Directory"] = lake,
                ["Clicks__SinkRetries"] = "1",
                ["Clicks__SinkRetryDelay"] = "00:00:00.100",
            });
            const int clicks = 50_000;
            cluster.PostgresProxy.Cut();
            await StageAsync(cluster, 0, clicks, FirstOfLastThreeHours());

            var health = await Poll.UntilAsync(() => cluster.SiloHealthAsync(0), report => !report.Healthy, TimeSpan.FromSeconds(60));
            var failed = await Poll.UntilAsync(() => cluster.StatsAsync(), stats => stats is { Totals.FailedDrains: >= 2 }, TimeSpan.FromSeconds(60));
            var archivedWhileDown = TestLake.EventIds(lake, "clicks").Count;
            cluster.PostgresProxy.Restore();
            var drained = await Poll.UntilAsync(() => cluster.StatsAsync(), stats => stats is { Backlog: 0, PrivateLists.Length: 0 }, TimeSpan.FromSeconds(120));
            var (ids, rollupTotal) = await cluster.SinkAsync();
            var archived = TestLake.EventIds(lake, "clicks").Select(id => id.ToString("N")).ToList();
            output.WriteLine($"health while down: {health.Report}; last failure: {failed?.LastFailure?.Reason}");

            Assert.False(health.Healthy);
            Assert.Contains("The sink cannot be reached: postgres", health.Report, StringComparison.Ordinal);
            Assert.Contains("postgres sink", failed?.LastFailure?.Reason, StringComparison.Ordinal);
            Assert.Equal(0, archivedWhileDown);
            Assert.True(drained is { Backlog: 0, PrivateLists.Length: 0 });
            Assert.Equal(clicks, ids.Count);
            Assert.Equal(clicks, rollupTotal);
            Assert.Equal(ids.Order(), archived.Order());

            // The stats name the sink that was down, and once it is back each sink counted each click once.
            var storeWhileDown = failed?.Sinks?.Single(sink => sink.Name == "postgres");
            Assert.True(storeWhileDown is { FailuresInARow: >= 1 }, storeWhileDown?.ToString());
            Assert.StartsWith("The postgres sink's write of", storeWhileDown!.LastFailure?.Reason, StringComparison.Ordinal);
            Assert.DoesNotContain(failed!.Sinks!, sink => sink.Name == "parquet" && sink.FailuresInARow > 0);
            Assert.Equal(
                [("parquet", clicks, 0L), ("postgres", clicks, 0L)],
                drained!.Sinks!.Select(sink => (sink.Name, sink.Written, sink.FailuresInARow)).ToArray());
        }
        finally
        {
            Directory.Delete(lake, recursive: true);
        }
    }

    /// <summary>
    /// Deletes the three hours from PostgreSQL, starts their backfill, and kills every silo once its count of events
    /// read passed a seeded random point, <see cref="BackfillKills"/> times or until it ends; returns its last status.
    /// </summary>
    private static async Task<JsonElement> BackfillKilledAsync(ChaosCluster cluster, Random random, DateTimeOffset from)
    {
        var store = new PostgresSinkProbe(TestServers.Postgres!, cluster.Schema);
        await store.DeleteRangeAsync("clicks", "ts", from, from.AddHours(3));
        await store.DeleteRangeAsync("product_clicks_minute", "minute", from, from.AddHours(3));
        var started = await cluster.Api.PostAsJsonAsync("/admin/streams/clicks/backfill", new { from, to = from.AddHours(3), sink = "postgres" });
        Assert.True(started.StatusCode == HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());

        JsonElement? status = null;
        for (var kill = 0; kill < BackfillKills; kill++)
        {
            var read = status?.GetProperty("read").GetInt64() ?? 0;
            var point = read + random.Next(1, 40_000);
            status = await Poll.UntilAsync(() => BackfillAsync(cluster),
                now => now is { } s && (s.GetProperty("read").GetInt64() >= point || s.GetProperty("state").GetString() != "running"), TimeSpan.FromSeconds(90));
            if (status?.GetProperty("state").GetString() != "running")
            {
                break;
            }

            await Task.WhenAll(Enumerable.Range(0, cluster.SiloCount).Select(cluster.KillSiloAsync));
            foreach (var silo in Enumerable.Range(0, cluster.SiloCount))
            {
                cluster.StartSilo(silo);
            }

            foreach (var silo in Enumerable.Range(0, cluster.SiloCount))
            {
                await cluster.WaitHealthyAsync(silo);
            }
        }

        var ended = await Poll.UntilAsync(() => BackfillAsync(cluster), now => now?.GetProperty("state").GetString() is "done" or "failed", TimeSpan.FromMinutes(3));
        Assert.True(ended is not null, "the backfill's status could not be read");
        return ended.Value;
    }

    /// <summary>The backfill's status, or null while the Api cannot reach a silo.</summary>
    private static async Task<JsonElement?> BackfillAsync(ChaosCluster cluster)
    {
        try
        {
            return await cluster.Api.GetFromJsonAsync<JsonElement>("/admin/streams/clicks/backfill");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// Returns as soon as an archive write or a compaction has a temporary data file: the kill lands inside it (before
    /// its marks or journal, or its renames).
    /// </summary>
    private static void InsideAWrite(string lake, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (DateTime.UtcNow < until && !Directory.EnumerateFiles(lake, "*.parquet.tmp", SearchOption.AllDirectories).Any())
        {
            Thread.Yield();
        }
    }

    /// <summary>Seed-format clicks, each with a time in one of the three hours from <paramref name="firstHour"/> (closed hours, compacted as they fill).</summary>
    private static async Task StageAsync(ChaosCluster cluster, int firstUid, int count, long firstHour)
    {
        for (var start = firstUid; start < firstUid + count; start += 10_000)
        {
            var elements = Enumerable.Range(start, Math.Min(10_000, firstUid + count - start))
                .Select(i => (StackExchange.Redis.RedisValue)$$"""{"uid":{{i}},"pid":{{i % 1000}},"ts":{{firstHour + i % 3 * 3_600_000 + i % 3_600_000}}}""").ToArray();
            await cluster.Redis.ListLeftPushAsync(cluster.StagingKey, elements);
        }
    }

    /// <summary>The start of the hour three hours ago, Unix milliseconds: <see cref="StageAsync"/>'s clicks fall in it and the two after it, all past.</summary>
    private static long FirstOfLastThreeHours()
    {
        var hoursAgo = DateTimeOffset.UtcNow.AddHours(-3);
        return new DateTimeOffset(hoursAgo.Year, hoursAgo.Month, hoursAgo.Day, hoursAgo.Hour, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    }

    private static string[] Journals(string lake) => Directory.GetFiles(lake, "*.json", SearchOption.AllDirectories)
        .Where(path => Path.GetFileName(Path.GetDirectoryName(path)) == "_compactions").ToArray();

    /// <summary>Whether every hour is one file and no compaction is under way.</summary>
    private static bool Compacted(string lake) =>
        Journals(lake).Length == 0
        && Directory.GetDirectories(lake, "hour=*", SearchOption.AllDirectories).All(hour => Directory.GetFiles(hour, "*.parquet").Length == 1);
}
