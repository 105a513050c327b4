using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClickOrleans.Staging;
using ClickOrleans.Tests.Infrastructure;
using StackExchange.Redis;

namespace ClickOrleans.Tests.Staging;

/// <summary>
/// A stream staged on several shards: the Api spreads requests over them (a batch stays whole in one), a client id's
/// retry meets its first attempt on the same shard, and /stats and /admin/drain cover every shard.
/// </summary>
[Collection(SqliteClusterCollection.Name)]
public sealed class ShardTests(SqliteClusterFixture cluster)
{
    private const int Shards = 3;

    /// <summary>The stream's watermark covers every shard: committed up to the earliest shard's, as of the latest shard's clock.</summary>
    [Fact]
    public async Task Watermark_CoversEveryShard_AndPassesWhatWasAcceptedOnceItIsDrained()
    {
        var data = new TestData();
        await using var api = cluster.Api(data.StagingKey, ("Clicks:Shards", "3"));
        using var http = api.CreateClient();
        for (var batch = 0; batch < 3; batch++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/clicks/batch", new[] { new { uid = data.Uid, pid = data.Pid(batch) } })).StatusCode);
        }

        var accepted = await http.GetFromJsonAsync<StreamWatermark>("/streams/clicks/watermark");
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/admin/drain", null)).StatusCode);
        var drained = await http.GetFromJsonAsync<StreamWatermark>("/streams/clicks/watermark");

        Assert.Equal(Shards, accepted!.Shards.Length);
        Assert.Equal(accepted.Shards.Min(shard => shard.CommittedTo), accepted.CommittedTo);
        Assert.Equal(accepted.Shards.Max(shard => shard.AsOf), accepted.AsOf);
        Assert.Equal(DateTimeOffset.UnixEpoch, accepted.CommittedTo);
        Assert.True(drained!.CommittedTo >= accepted.AsOf, $"{drained.CommittedTo:O} < {accepted.AsOf:O}");
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/streams/nosuchstream/watermark")).StatusCode);
    }

    [Fact]
    public async Task Requests_AreSpreadOverTheShards_EachBatchWholeInOne()
    {
        var data = new TestData();
        await using var api = cluster.Api(data.StagingKey, ("Clicks:Shards", "3"));
        using var http = api.CreateClient();

        for (var batch = 0; batch < 6; batch++)
        {
            var clicks = Enumerable.Range(0, 100).Select(i => new { uid = data.Uid + batch, pid = data.Pid(i) });
            Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/clicks/batch", clicks)).StatusCode);
        }

        var shards = new StagingStream(new ClickOptions { StagingKey = data.StagingKey, Shards = Shards }).Shards;
        var uidsPerShard = new List<HashSet<long>>();
        foreach (var shard in shards)
        {
            var elements = await cluster.Redis.ListRangeAsync(shard.Staging);
            uidsPerShard.Add([.. elements.Select(e => JsonDocument.Parse((string)e!).RootElement.GetProperty("uid").GetInt64())]);
            Assert.Equal(200, elements.Length); // two batches of 100 each, in turn
        }

        // Each batch (one uid) sits in exactly one shard.
        Assert.Equal(6, uidsPerShard.Sum(uids => uids.Count));
        Assert.Equal(6, uidsPerShard.SelectMany(uids => uids).Distinct().Count());
    }

    [Fact]
    public async Task ClientIdRetried_LandsOnTheSameShard_AndIsStagedOnce()
    {
        var data = new TestData();
        await using var api = cluster.Api(data.StagingKey, ("Clicks:Shards", "3"));
        using var http = api.CreateClient();

        for (var attempt = 0; attempt < 5; attempt++)
        {
            Assert.Equal(HttpStatusCode.Accepted,
                (await http.PostAsJsonAsync("/clicks", new { uid = data.Uid, pid = data.Pid(0), id = $"retry-{data.Uid}" })).StatusCode);
        }

        var shards = new StagingStream(new ClickOptions { StagingKey = data.StagingKey, Shards = Shards }).Shards;
        var lengths = await Task.WhenAll(shards.Select(shard => cluster.Redis.ListLengthAsync(shard.Staging)));
        Assert.Equal(1, lengths.Sum());
    }

    [Fact]
    public async Task DrainAndStats_CoverEveryShard()
    {
        var data = new TestData();
        await using var api = cluster.Api(data.StagingKey, ("Clicks:Shards", "3"));
        using var http = api.CreateClient();
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/clicks", new { uid = data.Uid, pid = data.Pid(i) })).StatusCode);
        }

        var drain = await http.PostAsync("/admin/drain", null);
        var stats = await http.GetFromJsonAsync<AggregatorStats>("/stats");

        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        var result = await drain.Content.ReadFromJsonAsync<DrainResult>();
        Assert.Equal((30, 30, 3), (result!.Elements, result.Written, result.Lists.Length));
        Assert.Equal(30, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
        Assert.NotNull(stats?.Shards);
        Assert.Equal(3, stats.Shards.Length);
        Assert.All(stats.Shards, shard => Assert.Equal(10, shard.Totals.Written));
        Assert.Equal(30, stats.Totals.Written);
        Assert.Equal([data.StagingKey, data.StagingKey + ":1", data.StagingKey + ":2"], stats.Shards.Select(shard => shard.StagingKey));
    }

    [SkippableFact]
    public async Task EveryKeyOfADrain_HashesToItsShardsSlot_OnTheCluster()
    {
        Skip.IfNot(TestServers.RedisIsCluster, "asks a Redis Cluster for its key slots (CLUSTER KEYSLOT)");
        var data = new TestData();
        var server = cluster.Redis.Multiplexer.GetServers().First(s => !s.IsReplica);
        foreach (var shard in new StagingStream(new ClickOptions { StagingKey = data.StagingKey, Shards = Shards }).Shards)
        {
            RedisKey[] keys =
            [
                shard.Dead, shard.PrivateLists, shard.PrivateListInfo, shard.LastTick, shard.SchedulePeriod, shard.Stats,
                shard.PrivateList(1_795_000_000_000), shard.ClientId("any client id {with} braces"),
            ];
            var slot = (long)await server.ExecuteAsync("CLUSTER", "KEYSLOT", (string)shard.Staging!);
            foreach (var key in keys)
            {
                Assert.Equal(slot, (long)await server.ExecuteAsync("CLUSTER", "KEYSLOT", (string)key!));
            }
        }
    }
}
