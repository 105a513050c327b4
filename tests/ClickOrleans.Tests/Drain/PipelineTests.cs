using System.Text.Json;
using ClickOrleans.Drain;
using ClickOrleans.Staging;
using ClickOrleans.Tests.Infrastructure;
using StackExchange.Redis;

namespace ClickOrleans.Tests.Drain;

/// <summary>The drain's promises, against a real cluster, real Redis and a real sink; run once per sink.</summary>
public abstract class PipelineTests(ClusterFixture cluster)
{
    private const int ChunkSize = ClusterFixture.ChunkSize;

    [SkippableFact]
    public async Task Drain_WritesEveryStagedClickOnce_WithMatchingRollups()
    {
        cluster.Require();
        var data = new TestData();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, data.SeedElements(1000));

        var result = await cluster.Aggregator(data).Drain();

        Assert.Equal((1000, 1000, 0, 0), (result.Elements, result.Written, result.Skipped, result.Dead));
        Assert.Equal(1000 / ChunkSize, result.Chunks);
        Assert.Single(result.Lists);
        var ids = await cluster.Probe.ClickIdsAsync(data.Uid);
        Assert.Equal(1000, ids.Count);
        Assert.Equal(1000, ids.Distinct().Count());
        Assert.Equal(1000, await cluster.Probe.MinuteClicksAsync(data.PidFrom, data.PidTo));
        await AssertNothingLeftAsync(data);
    }

    [SkippableFact]
    public async Task InterruptedDrain_ResumesAfterItsLastCommittedChunk_WithoutDuplicates()
    {
        cluster.Require();
        var data = new TestData();
        var poisonUid = data.Uid + 1;
        var elements = data.SeedElements(1000);
        elements[550] = $$"""{"uid":{{poisonUid}},"pid":{{data.Pid(550)}}}""";
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, elements);
        await cluster.Probe.InjectFaultAsync(poisonUid);

        await Assert.ThrowsAsync<DrainFailedException>(() => cluster.Aggregator(data).Drain());

        // Chunks 0-4 committed, chunk 5 failed: its other partitions may have committed, the rest waits in Redis.
        var left = await PrivateLists(data).AllAsync();
        var privateList = Assert.Single(left);
        Assert.Equal(500, privateList.CommittedOffset);
        Assert.Equal(500, await cluster.Redis.ListLengthAsync(privateList.Name));
        var committedBeforeResume = (await cluster.Probe.ClickIdsAsync(data.Uid)).Count;
        Assert.InRange(committedBeforeResume, 500, 599);

        await cluster.Probe.RemoveFaultAsync(poisonUid);
        var resumed = await cluster.Aggregator(data).Drain();

        Assert.Equal([privateList.Name], resumed.Lists);
        Assert.Equal(500, resumed.Elements);
        Assert.Equal(committedBeforeResume - 500, resumed.Skipped);
        Assert.Equal(999, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
        Assert.Single(await cluster.Probe.ClickIdsAsync(poisonUid));
        Assert.Equal(1000, await cluster.Probe.MinuteClicksAsync(data.PidFrom, data.PidTo));
        await AssertNothingLeftAsync(data);
    }

    [SkippableFact]
    public async Task PrivateList_LeftByACrashedDrain_IsFinishedByTheNextDrain()
    {
        cluster.Require();
        var data = new TestData();
        var elements = data.SeedElements(500);
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, elements[..300]);
        // A drain that crashed right after its take-over leaves exactly this behind.
        var orphan = await PrivateLists(data).TakeOverAsync(DrainTick.Now(TimeProvider.System) - 60_000, ClusterFixture.Partitions, TimeSpan.FromMinutes(5), PrivateList.ByEventId, ClickBatch.Rules.Version);
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, elements[300..]);

        var result = await cluster.Aggregator(data).Drain();

        Assert.NotNull(orphan);
        Assert.Equal(2, result.Lists.Length);
        Assert.Equal(orphan.Name, result.Lists[0]);
        Assert.Equal((500, 500), (result.Elements, result.Written));
        Assert.Equal(500, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
        await AssertNothingLeftAsync(data);
    }

    [SkippableFact]
    public async Task ConcurrentDrainCalls_NeverOverlap_AndShareOneFollowUp()
    {
        cluster.Require();
        var data = new TestData();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, data.SeedElements(2000));
        var aggregator = cluster.Aggregator(data);

        var results = (await Task.WhenAll(aggregator.Drain(), aggregator.Drain(), aggregator.Drain())).OrderBy(r => r.StartedAt).ToArray();

        // The first call drains; the calls made while it ran wait for the one drain that follows it.
        Assert.Equal(results[1].StartedAt, results[2].StartedAt);
        Assert.True(results[1].StartedAt >= results[0].StartedAt + results[0].Duration, "the follow-up overlapped the first drain");
        Assert.Equal(2000, results[0].Written + results[1].Written);
        Assert.Equal(2000, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
        await AssertNothingLeftAsync(data);
    }

    [SkippableFact]
    public async Task Drain_CalledWhileADrainRuns_ReturnsOnlyAfterDrainingWhatWasStagedBeforeTheCall()
    {
        cluster.Require();
        var data = new TestData();
        var late = new TestData();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, data.SeedElements(20_000));
        var aggregator = cluster.Aggregator(data);
        var first = aggregator.Drain();
        await Poll.UntilAsync(() => aggregator.GetStats(), stats => stats.Draining, TimeSpan.FromSeconds(30));
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, late.SeedElements(10));

        var second = await aggregator.Drain();

        Assert.Equal(10, (await cluster.Probe.ClickIdsAsync(late.Uid)).Count);
        Assert.True(second.StartedAt >= (await first).StartedAt + (await first).Duration, "the call returned the drain that was running");
        Assert.Equal(20_000, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
    }

    [SkippableFact]
    public async Task EmptyStagingList_DrainDoesNothing()
    {
        cluster.Require();
        var data = new TestData();

        var result = await cluster.Aggregator(data).Drain();

        Assert.Empty(result.Lists);
        Assert.Equal((0, 0, 0), (result.Elements, result.Chunks, result.Written));
        Assert.False(await cluster.Redis.KeyExistsAsync(new StagingKeys(data.StagingKey).LastTick));
    }

    [SkippableFact]
    public async Task SeedFormatElements_GetIdsFromTheirPlace_SoAReplayAddsNothing()
    {
        cluster.Require();
        var data = new TestData();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, data.SeedElements(150));

        var result = await cluster.Aggregator(data).Drain();

        var privateList = Assert.Single(result.Lists);
        var ids = (await cluster.Probe.ClickIdsAsync(data.Uid)).Order().ToArray();
        var seed = ClickId.SeedOf(privateList);
        Assert.Equal(Enumerable.Range(0, 150).Select(i => ClickId.Format(ClickId.FromPosition(seed, i))).Order(), ids);
    }

    [SkippableFact]
    public async Task MalformedElements_GoToTheDeadList_AndTheRestIsWritten()
    {
        cluster.Require();
        var data = new TestData();
        RedisValue[] poison = ["not json", """{"uid":-1,"pid":1}""", """{"pid":5}""", """{"uid":1,"pid":2"""];
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, [.. data.SeedElements(10), .. poison, .. data.SeedElements(10)]);

        var result = await cluster.Aggregator(data).Drain();

        Assert.Equal((24, 20, 4), (result.Elements, result.Written, result.Dead));
        var dead = await cluster.Redis.ListRangeAsync(new StagingKeys(data.StagingKey).Dead);
        Assert.Equal(4, dead.Length);
        foreach (var letter in dead)
        {
            using var json = JsonDocument.Parse((string)letter!);
            Assert.Equal(result.Lists[0], json.RootElement.GetProperty("source").GetString());
            Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("reason").GetString()));
            Assert.Contains((RedisValue)json.RootElement.GetProperty("element").GetString(), poison);
        }

        Assert.Equal(20, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
    }

    [SkippableFact]
    public async Task Drain_ReadsOneChunkAtATime()
    {
        cluster.Require();
        Skip.If(TestServers.RedisIsEmbedded, RedisCommandStats.NeedsRedisServer);
        var data = new TestData();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, data.SeedElements(1000));
        var before = await RedisCommandStats.CallsAsync(cluster.Redis.Multiplexer, "lrange");

        var result = await cluster.Aggregator(data).Drain();

        // Ten full chunks and the empty read that ends the list; other tests in this collection run one at a time. Each
        // read fetches windows of 1, 2, 4, … elements (a producer's huge elements never come in bulk): 7 LRANGEs for 100.
        var windows = (int)Math.Ceiling(Math.Log2(ChunkSize + 1));
        Assert.Equal(1000 / ChunkSize, result.Chunks);
        Assert.Equal((1000 / ChunkSize * windows) + 1, await RedisCommandStats.CallsAsync(cluster.Redis.Multiplexer, "lrange") - before);
    }

    [SkippableFact]
    public async Task Reminder_DrainsTheScheduledStagingList_WithoutATrigger()
    {
        cluster.Require();
        var data = new TestData();
        await cluster.Redis.ListLeftPushAsync(cluster.ScheduledStagingKey, data.SeedElements(50));

        var written = await Poll.UntilAsync(
            async () => (await cluster.Probe.ClickIdsAsync(data.Uid)).Count, count => count >= 50, TimeSpan.FromSeconds(60));

        Assert.Equal(50, written);
    }

    private PrivateLists PrivateLists(TestData data) => new(cluster.Redis, new StagingKeys(data.StagingKey));

    private async Task AssertNothingLeftAsync(TestData data)
    {
        Assert.False(await cluster.Redis.KeyExistsAsync(data.StagingKey));
        Assert.Empty(await PrivateLists(data).AllAsync());
    }
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqlitePipelineTests(SqliteClusterFixture cluster) : PipelineTests(cluster);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresPipelineTests(PostgresClusterFixture cluster) : PipelineTests(cluster);
