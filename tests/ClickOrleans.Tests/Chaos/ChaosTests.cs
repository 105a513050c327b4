using System.Diagnostics;
using System.Net;
using ClickOrleans.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ClickOrleans.Tests.Chaos;

/// <summary>
/// The promise under faults, on real processes: every click that got a 202 is in the sink exactly once,
/// whatever is killed or cut, and the drain resumes elsewhere.
/// </summary>
[Trait("Category", "Chaos")]
public sealed class ChaosTests(ITestOutputHelper output)
{
    private const int KillRounds = 10;

    [SkippableFact]
    public async Task RandomSiloKills_UnderIngest_LoseNothing_AndDuplicateNothing()
    {
        await using var cluster = await ChaosCluster.StartAsync(silos: 3);
        await KillSilosAtRandomAsync(cluster, KillRounds, output);
    }

    /// <summary>Kill rounds at random points of steady ingest, each a random silo; then exactly once in the sink.</summary>
    internal static async Task KillSilosAtRandomAsync(ChaosCluster cluster, int rounds, ITestOutputHelper output)
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CHAOS_SEED"), out var given) ? given : Environment.TickCount;
        output.WriteLine($"CHAOS_SEED={seed}");
        var random = new Random(seed);
        await using var traffic = new Traffic(cluster.Api);
        var resumeTimes = new List<TimeSpan>();

        for (var round = 0; round < rounds; round++)
        {
            // Kill at a random point of the stream: after a random number of further accepted clicks.
            var killAfter = traffic.Accepted.Count + random.Next(1_000, 6_000);
            await Poll.UntilAsync(() => Task.FromResult(traffic.Accepted.Count), count => count >= killAfter, TimeSpan.FromSeconds(30));
            var victim = random.Next(cluster.SiloCount);
            var hostedAggregator = victim == cluster.AggregatorHost();
            var killedAt = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            await cluster.KillSiloAsync(victim);
            var resumed = await Poll.UntilAsync(() => cluster.StatsAsync(), s => s?.LastDrain?.StartedAt > killedAt, TimeSpan.FromSeconds(60));
            Assert.True(resumed?.LastDrain?.StartedAt > killedAt, $"round {round}: no drain finished after silo {victim} was killed");
            resumeTimes.Add(clock.Elapsed);
            output.WriteLine($"round {round}: killed silo {victim}{(hostedAggregator ? " (aggregator host)" : "")}, a drain finished {clock.Elapsed.TotalSeconds:F1} s later");
            cluster.StartSilo(victim);
            await cluster.WaitHealthyAsync(victim);
        }

        await traffic.StopAsync();
        await cluster.DrainEverythingAsync();
        var (ids, rollupTotal) = await cluster.SinkAsync();

        output.WriteLine($"accepted={traffic.Accepted.Count} unanswered={traffic.Unanswered.Count} in sink={ids.Count} rollup total={rollupTotal}");
        output.WriteLine($"kill to drain finished elsewhere: median {Median(resumeTimes):F1} s, max {resumeTimes.Max().TotalSeconds:F1} s");
        AssertExactlyOnce(traffic, ids, rollupTotal);
    }

    [SkippableFact]
    public async Task AggregatorHostKilledMidDrain_AnotherSiloFinishesTheOrphan()
    {
        await using var cluster = await ChaosCluster.StartAsync(silos: 3);
        const int backlog = 150_000;
        await StageSeedAsync(cluster.Redis, cluster.StagingKey, backlog);

        var pending = await Poll.UntilAsync(() => cluster.Redis.HashGetAllAsync(new ClickOrleans.Staging.StagingKeys(cluster.StagingKey).PrivateLists),
            entries => entries.Length == 1 && (long)entries[0].Value > 0, TimeSpan.FromSeconds(60));
        Assert.True(pending.Length == 1 && (long)pending[0].Value > 0, "no drain got under way");
        var host = cluster.AggregatorHost();
        var killedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await cluster.KillSiloAsync(host);

        var stats = await Poll.UntilAsync(() => cluster.StatsAsync(), s => s is { Backlog: 0, PrivateLists.Length: 0 } && s.LastDrain?.StartedAt > killedAt, TimeSpan.FromSeconds(120));
        output.WriteLine($"killed silo {host} after {(long)pending[0].Value} of {backlog} elements were committed; the orphan was finished {clock.Elapsed.TotalSeconds:F1} s later");
        var (ids, rollupTotal) = await cluster.SinkAsync();

        Assert.True(stats is { Backlog: 0, PrivateLists.Length: 0 }, "the orphan private list was not finished");
        Assert.Equal(backlog, ids.Count);
        Assert.Equal(backlog, rollupTotal);
    }

    [SkippableFact]
    public async Task SinkOutageMidDrain_KeepsThePrivateList_AndTheNextTickFinishesIt()
    {
        // One quick retry: the outage outlasts it, so drains fail and the private list waits.
        await using var cluster = await ChaosCluster.StartAsync(silos: 2, new Dictionary<string, string?>
        {
            ["Clicks__SinkRetries"] = "1",
            ["Clicks__SinkRetryDelay"] = "00:00:00.100",
        });
        const int backlog = 100_000;
        await StageSeedAsync(cluster.Redis, cluster.StagingKey, backlog);
        await Poll.UntilAsync(() => cluster.Redis.HashGetAllAsync(new ClickOrleans.Staging.StagingKeys(cluster.StagingKey).PrivateLists),
            entries => entries.Length == 1 && (long)entries[0].Value > 0, TimeSpan.FromSeconds(60));

        cluster.PostgresProxy.Cut();
        // The drain in flight fails, then two more reminder ticks fail against the cut sink.
        var failures = await Poll.UntilAsync(() => Task.FromResult(DrainFailures(cluster)), count => count >= 3, TimeSpan.FromSeconds(60));
        var stranded = await cluster.Redis.HashGetAllAsync(new ClickOrleans.Staging.StagingKeys(cluster.StagingKey).PrivateLists);
        cluster.PostgresProxy.Restore();
        var stats = await Poll.UntilAsync(() => cluster.StatsAsync(), s => s is { Backlog: 0, PrivateLists.Length: 0 }, TimeSpan.FromSeconds(120));
        var (ids, rollupTotal) = await cluster.SinkAsync();

        Assert.True(failures >= 3, "drains did not keep failing while PostgreSQL was out of reach");
        Assert.Single(stranded);
        Assert.InRange((long)stranded[0].Value, 1, backlog - 1);
        Assert.True(stats is { Backlog: 0, PrivateLists.Length: 0 });
        Assert.Equal(backlog, ids.Count);
        Assert.Equal(backlog, rollupTotal);
        // Reminder ticks every 2 s while drains ran for longer: they were coalesced, never a second drain at once.
        Assert.All(Enumerable.Range(0, cluster.SiloCount), i => Assert.DoesNotContain("another drain is working on it", cluster.SiloOutput(i)));
    }

    [SkippableFact]
    public async Task SinkOutageShorterThanTheRetryBudget_IsRiddenOutWithinTheDrain()
    {
        await using var cluster = await ChaosCluster.StartAsync(silos: 1);
        // The default budget is 6 retries from 0.5 s, doubling: restore after the second retry, about 1.5 s into the outage.
        await RideOutSinkOutageAsync(cluster, cluster.PostgresProxy.Cut, retries: 2, "cut");
    }

    /// <summary>
    /// PostgreSQL black-holed (packets dropped, nothing refused) under Npgsql's default timeouts: each attempt is cut at
    /// Clicks:SinkAttemptTimeout and retried inside the drain's wait for the sink call, so the drain rides it out.
    /// </summary>
    [SkippableFact]
    public async Task SinkBlackHoledForSeveralAttempts_WithNpgsqlsDefaultTimeouts_IsRiddenOutWithinTheDrain()
    {
        await using var cluster = await ChaosCluster.StartAsync(silos: 1, npgsqlDefaultTimeouts: true);
        // Three attempts cut by their timeout: longer than Npgsql's 30 s command timeout, which the drain's wait outlasts.
        await RideOutSinkOutageAsync(cluster, cluster.PostgresProxy.Stall, retries: 3, "black-holed");
    }

    /// <summary>
    /// Mid-drain of 100,000 clicks, <paramref name="outage"/> PostgreSQL until <paramref name="retries"/> sink writes were
    /// retried, then restores it: no drain fails, and every click is in the sink once.
    /// </summary>
    private async Task RideOutSinkOutageAsync(ChaosCluster cluster, Action outage, int retries, string what)
    {
        const int backlog = 100_000;
        await StageSeedAsync(cluster.Redis, cluster.StagingKey, backlog);
        await Poll.UntilAsync(() => cluster.Redis.HashGetAllAsync(new ClickOrleans.Staging.StagingKeys(cluster.StagingKey).PrivateLists),
            entries => entries.Length == 1 && (long)entries[0].Value > 0, TimeSpan.FromSeconds(60));

        outage();
        var retried = await Poll.UntilAsync(() => Task.FromResult(Retries(cluster)), count => count >= retries, TimeSpan.FromSeconds(120));
        cluster.PostgresProxy.Restore();
        var stats = await Poll.UntilAsync(() => cluster.StatsAsync(), s => s is { Backlog: 0, PrivateLists.Length: 0 }, TimeSpan.FromSeconds(180));
        var (ids, rollupTotal) = await cluster.SinkAsync();

        output.WriteLine($"sink writes retried {retried} times while PostgreSQL was {what}; failed drains: {stats?.Totals.FailedDrains}");
        Assert.True(retried >= retries, $"no write was retried while PostgreSQL was {what}");
        Assert.True(stats is { Backlog: 0, PrivateLists.Length: 0 });
        Assert.Equal(0, stats.Totals.FailedDrains);
        Assert.Equal(backlog, ids.Count);
        Assert.Equal(backlog, rollupTotal);
    }

    [SkippableFact]
    public async Task RedisRestartUnderIngest_Answers503WhileDown_NeverA202_ThenRecovers()
    {
        await using var cluster = await ChaosCluster.StartAsync(silos: 2);
        await using var traffic = new Traffic(cluster.Api);
        await Poll.UntilAsync(() => Task.FromResult(traffic.Accepted.Count), count => count > 500, TimeSpan.FromSeconds(30));

        await cluster.KillRedisAsync();
        var acceptedWhenKilled = traffic.Accepted.Count;
        await Poll.UntilAsync(() => Task.FromResult(traffic.Unavailable), count => count >= 5, TimeSpan.FromSeconds(30));
        var acceptedWhileDown = traffic.Accepted.Count - acceptedWhenKilled;
        await cluster.StartRedisAsync();
        var resumed = await Poll.UntilAsync(() => Task.FromResult(traffic.Accepted.Count), count => count > acceptedWhenKilled + 500, TimeSpan.FromSeconds(60));
        await traffic.StopAsync();
        await cluster.DrainEverythingAsync();
        var (ids, rollupTotal) = await cluster.SinkAsync();

        output.WriteLine($"503 while Redis was down: {traffic.Unavailable}; accepted={traffic.Accepted.Count} in sink={ids.Count}");
        Assert.True(traffic.Unavailable >= 5, "the Api never answered 503 while Redis was down");
        Assert.InRange(acceptedWhileDown, 0, 50); // at most the one batch that was in flight when Redis died
        Assert.True(resumed > acceptedWhenKilled + 500, "ingest did not resume after Redis came back");
        AssertExactlyOnce(traffic, ids, rollupTotal);
    }

    /// <summary>
    /// A silo started while Redis is down (a whole deployment starting at once, Redis last) waits for it instead of
    /// exiting at Orleans' first membership command, and drains once Redis is back.
    /// </summary>
    [SkippableFact]
    public async Task SiloStartedWhileRedisIsDown_WaitsForIt_AndDrainsOnceItIsBack()
    {
        await using var cluster = await ChaosCluster.StartAsync(silos: 1);
        await cluster.KillRedisAsync();
        await cluster.KillSiloAsync(0);

        cluster.StartSilo(0);
        await Poll.UntilAsync(() => Task.FromResult(cluster.SiloOutput(0)), log => log.Contains("waits for it", StringComparison.Ordinal) || cluster.SiloHasExited(0), TimeSpan.FromSeconds(60));
        Assert.False(cluster.SiloHasExited(0), $"the silo exited while Redis was down:\n{cluster.SiloOutput(0)}");
        await cluster.StartRedisAsync();
        await cluster.WaitHealthyAsync(0);
        await StageSeedAsync(cluster.Redis, cluster.StagingKey, 1_000);
        await cluster.DrainEverythingAsync();
        var (ids, rollupTotal) = await cluster.SinkAsync();

        Assert.Equal(1_000, ids.Distinct().Count());
        Assert.Equal(1_000, rollupTotal);
    }

    internal static void AssertExactlyOnce(Traffic traffic, List<string> rows, long rollupTotal)
    {
        var sink = rows.ToHashSet();
        var twice = rows.GroupBy(id => id).Where(group => group.Count() > 1).Select(group => group.Key).ToArray();
        Assert.True(twice.Length == 0, $"{twice.Length} clicks are in the sink more than once, e.g. {string.Join(", ", twice.Take(5))}");
        var lost = traffic.Accepted.Keys.Where(id => !sink.Contains(id)).ToArray();
        Assert.True(lost.Length == 0, $"{lost.Length} accepted clicks are not in the sink, e.g. {string.Join(", ", lost.Take(5))}");
        Assert.All(sink, id => Assert.True(traffic.Accepted.ContainsKey(id) || traffic.Unanswered.ContainsKey(id), $"{id} was never sent"));
        Assert.Equal(rows.Count, rollupTotal);
    }

    internal static async Task StageSeedAsync(IDatabase redis, string key, int count, int firstUid = 0)
    {
        for (var start = firstUid; start < firstUid + count; start += 10_000)
        {
            var elements = Enumerable.Range(start, Math.Min(10_000, firstUid + count - start))
                .Select(i => (RedisValue)$$"""{"uid":{{i}},"pid":{{i % 1000}}}""").ToArray();
            await redis.ListLeftPushAsync(key, elements);
        }
    }

    private static int DrainFailures(ChaosCluster cluster) =>
        Enumerable.Range(0, cluster.SiloCount)
            .Sum(i => cluster.SiloOutput(i).Split("failed; committed chunks stay committed").Length - 1);

    [SkippableFact]
    public async Task RedisOutOfMemory_Is503NotA500_TheDrainStillFreesMemory_AndIngestResumesByItself()
    {
        // Drains only when asked, so that a backlog can fill Redis first.
        await using var cluster = await ChaosCluster.StartAsync(silos: 1,
            siloSettings: new Dictionary<string, string?> { ["Clicks__DrainPeriod"] = "00:30:00", ["Clicks__FlushSize"] = "0", ["Clicks__ChunkSize"] = "20000" },
            apiSettings: new Dictionary<string, string?> { ["Clicks__MaxBacklog"] = "0" },
            redisMaxMemory: "48mb");
        var seeded = 0;
        try
        {
            // Another producer fills Redis until it refuses writes.
            while (true)
            {
                await StageSeedAsync(cluster.Redis, cluster.StagingKey, 10_000, firstUid: seeded);
                seeded += 10_000;
            }
        }
        catch (RedisServerException e) when (e.Message.StartsWith("OOM", StringComparison.Ordinal))
        {
            output.WriteLine($"Redis refused writes after {seeded} seeded elements: {e.Message}");
        }

        await using var traffic = new Traffic(cluster.Api);
        await Poll.UntilAsync(() => Task.FromResult(traffic.Unavailable), count => count >= 5, TimeSpan.FromSeconds(30));
        var acceptedWhileFull = traffic.Accepted.Count;

        var drain = await cluster.Api.PostAsync("/admin/drain", null);
        var resumed = await Poll.UntilAsync(() => Task.FromResult(traffic.Accepted.Count), count => count >= 1000, TimeSpan.FromSeconds(60));
        await traffic.StopAsync();
        await cluster.DrainEverythingAsync();
        var (ids, rollupTotal) = await cluster.SinkAsync();

        output.WriteLine($"503 while full: {traffic.Unavailable}; accepted while full (Redis' memory hovers at the limit): {acceptedWhileFull}; " +
            $"then accepted {traffic.Accepted.Count}; other answers: {traffic.Rejected}");
        Assert.True(traffic.Unavailable >= 5, "the Api never answered 503 while Redis was full");
        Assert.Equal(0, traffic.Rejected); // never a 500
        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        Assert.True(resumed >= 1000, "ingest did not resume after the drain freed memory");
        var traffickedRows = ids.Where(id => id.Contains('-', StringComparison.Ordinal)).ToList(); // Traffic's ids; seeded rows have derived ids
        AssertExactlyOnce(traffic, traffickedRows, rollupTotal - (ids.Count - traffickedRows.Count));
        Assert.Equal(seeded, ids.Count - traffickedRows.Count);
        // Nothing half-staged: of a batch refused with a 503, all of it or none of it reached the sink.
        var inSink = traffickedRows.ToHashSet();
        foreach (var batch in traffic.Unanswered.Keys.GroupBy(id => id[..id.LastIndexOf('-')]))
        {
            Assert.Contains(batch.Count(inSink.Contains), new[] { 0, batch.Count() });
        }
    }

    private static int Retries(ChaosCluster cluster) =>
        Enumerable.Range(0, cluster.SiloCount).Sum(i => cluster.SiloOutput(i).Split("OnRetry").Length - 1);

    private static double Median(List<TimeSpan> times) => times.Order().ElementAt(times.Count / 2).TotalSeconds;
}
