using ClickOrleans.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClickOrleans.Tests.Chaos;

/// <summary>
/// The Parquet archive under kill -9, on real silo processes sharing one lake: every click in PostgreSQL and in the
/// archive exactly once, and no temporary file left to be mistaken for data.
/// </summary>
[Trait("Category", "Chaos")]
public sealed class ArchiveChaosTests(ITestOutputHelper output)
{
    private const int KillRounds = 10;
    private const int ClicksPerRound = 20_000;

    /// <summary>
    /// Each round stages clicks, waits until a drain of them is under way, and kills the draining silo with SIGKILL, then
    /// starts it again: in even rounds at a seeded random moment (in the store's write or the archive's), in odd ones as
    /// soon as an archive write has a temporary file (between its files, its marks and its renames).
    /// </summary>
    [SkippableFact]
    public async Task DrainingSiloKilledAtRandomMoments_ArchivesEachClickOnce_AndLeavesNoTemporaryFile()
    {
        var lake = Directory.CreateTempSubdirectory("clickorleans-lake-").FullName;
        try
        {
            await using var cluster = await ChaosCluster.StartAsync(silos: 2, new Dictionary<string, string?>
            {
                ["Streams__clicks__Sinks__0"] = "postgres",
                ["Streams__clicks__Sinks__1"] = "parquet",
                ["Parquet__Directory"] = lake,
            });
            var random = new Random(25);
            var staged = 0;
            var leftTemporary = 0;
            for (var round = 0; round < KillRounds; round++)
            {
                await ChaosTests.StageSeedAsync(cluster.Redis, cluster.StagingKey, ClicksPerRound, firstUid: staged);
                staged += ClicksPerRound;
                var draining = await Poll.UntilAsync(() => cluster.StatsAsync(), stats => stats is { PrivateLists.Length: > 0 }, TimeSpan.FromSeconds(60));
                Assert.True(draining is { PrivateLists.Length: > 0 }, "no drain took the clicks over");
                if (round % 2 == 0)
                {
                    await Task.Delay(random.Next(0, 500)); // the moment of the fault
                }
                else
                {
                    InsideAnArchiveWrite(lake, TimeSpan.FromSeconds(30));
                }

                var host = Math.Max(0, cluster.AggregatorHost());
                await cluster.KillSiloAsync(host);
                leftTemporary += Directory.GetFiles(lake, "*.tmp", SearchOption.AllDirectories).Length > 0 ? 1 : 0;
                cluster.StartSilo(host);
                await cluster.WaitHealthyAsync(host);
            }

            await cluster.DrainEverythingAsync();
            var (ids, rollupTotal) = await cluster.SinkAsync();
            var archived = TestLake.EventIds(lake, "clicks").Select(id => id.ToString("N")).ToList();
            output.WriteLine($"staged={staged} store={ids.Count} archive={archived.Count} files={Directory.GetFiles(lake, "*.parquet", SearchOption.AllDirectories).Length} kills that left a temporary file={leftTemporary} of {KillRounds}");

            Assert.Equal(staged, ids.Count);
            Assert.Equal(staged, ids.Distinct().Count());
            Assert.Equal(staged, rollupTotal);
            Assert.Equal(ids.Order(), archived.Order());
            Assert.Empty(Directory.GetFiles(lake, "*.parquet.tmp", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(lake, recursive: true);
        }
    }

    /// <summary>Returns as soon as an archive write has a temporary data file: the kill lands inside the write (before its marks or its renames).</summary>
    private static void InsideAnArchiveWrite(string lake, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (DateTime.UtcNow < until && !Directory.EnumerateFiles(lake, "*.parquet.tmp", SearchOption.AllDirectories).Any())
        {
            Thread.Yield();
        }
    }
}
