using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClickOrleans.Staging;
using ClickOrleans.Tests.Infrastructure;

namespace ClickOrleans.Tests.Ingest;

/// <summary>
/// A client that retries with its own click id gets the click stored once within <c>Clicks:IdempotencyWindow</c>,
/// whether the retries come one after the other, at once, or inside one batch, and whatever else the batch carries;
/// after the window, or on a shard that a change of <c>Clicks:Shards</c> moved its id to, a retry is a new click.
/// </summary>
[Collection(SqliteClusterCollection.Name)]
public sealed class IdempotencyTests(SqliteClusterFixture cluster)
{
    [Fact]
    public async Task SameClientIdPostedConcurrently_IsAnswered202WithItsId_AndStoredOnce()
    {
        var data = new TestData();
        await using var api = cluster.Api(data.StagingKey);
        using var http = api.CreateClient();
        var click = new { uid = data.Uid, pid = data.Pid(0), id = $"retried-{data.Uid}" };

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => http.PostAsJsonAsync("/clicks", click)));

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.Accepted, response.StatusCode));
        foreach (var response in responses)
        {
            Assert.Equal(click.id, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
        }

        Assert.Equal(1, await cluster.StagedCountAsync(data.StagingKey));
        await cluster.DrainStreamAsync(data.StagingKey);
        Assert.Equal([click.id], await cluster.Probe.ClickIdsAsync(data.Uid));
    }

    [Fact]
    public async Task BatchRetried_WithAnIdRepeatedInside_StagesEachIdOnce_AndClicksWithoutIdsEveryTime()
    {
        var data = new TestData();
        await using var api = cluster.Api(data.StagingKey);
        using var http = api.CreateClient();
        object[] batch =
        [
            new { uid = data.Uid, pid = data.Pid(0), id = $"a-{data.Uid}" },
            new { uid = data.Uid, pid = data.Pid(1), id = $"b-{data.Uid}" },
            new { uid = data.Uid, pid = data.Pid(2), id = $"a-{data.Uid}" },
            new { uid = data.Uid, pid = data.Pid(3) },
        ];

        var first = await http.PostAsJsonAsync("/clicks/batch", batch);
        var retry = await http.PostAsJsonAsync("/clicks/batch", batch);

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, retry.StatusCode));
        await cluster.DrainStreamAsync(data.StagingKey);
        var ids = await cluster.Probe.ClickIdsAsync(data.Uid);
        Assert.Equal(4, ids.Count); // a and b once, the click without an id twice: the Api made two ids for it
        Assert.Single(ids, id => id == $"a-{data.Uid}");
        Assert.Single(ids, id => id == $"b-{data.Uid}");
    }

    [Fact]
    public async Task SameClientIdAfterTheWindow_IsANewClick()
    {
        var data = new TestData();
        await using var api = cluster.Api(data.StagingKey, ("Clicks:IdempotencyWindow", "00:00:01"));
        using var http = api.CreateClient();
        var click = new { uid = data.Uid, pid = data.Pid(0), id = $"late-retry-{data.Uid}" };
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/clicks", click)).StatusCode);

        var markers = cluster.Shards(data.StagingKey).Select(shard => shard.ClientId(click.id)).ToArray();
        var expired = await Poll.UntilAsync(
            async () => (await Task.WhenAll(markers.Select(marker => cluster.Redis.KeyExistsAsync(marker)))).Any(exists => exists),
            exists => !exists,
            TimeSpan.FromSeconds(10));
        var late = await http.PostAsJsonAsync("/clicks", click);

        Assert.False(expired, "the idempotency marker did not expire");
        Assert.Equal(HttpStatusCode.Accepted, late.StatusCode);
        await cluster.DrainStreamAsync(data.StagingKey);
        Assert.Equal([click.id, click.id], await cluster.Probe.ClickIdsAsync(data.Uid));
    }

    [Fact]
    public async Task ClickRetriedInsideBatchesLedByIdsOfEveryOtherShard_IsStoredOnce()
    {
        const int shards = 3;
        var data = new TestData();
        await using var api = cluster.Api(data.StagingKey, ("Clicks:Shards", "3"));
        using var http = api.CreateClient();
        var retried = $"x-{data.Uid}";
        // Eight leaders, four of each shard but the retried click's own (chosen so, not left to the random uid).
        var leaders = Enumerable.Range(0, 1000).Select(i => $"y{i}-{data.Uid}")
            .Where(id => StreamStager.ShardOf(id, shards) != StreamStager.ShardOf(retried, shards))
            .GroupBy(id => StreamStager.ShardOf(id, shards)).SelectMany(shard => shard.Take(4)).ToArray();
        Assert.Equal(8, leaders.Length);

        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/clicks", new { uid = data.Uid, pid = data.Pid(0), id = retried })).StatusCode);
        foreach (var leader in leaders)
        {
            var batch = await http.PostAsJsonAsync("/clicks/batch", new object[]
            {
                new { uid = data.Uid, pid = data.Pid(1), id = leader },
                new { uid = data.Uid, pid = data.Pid(0), id = retried },
            });
            Assert.Equal(HttpStatusCode.Accepted, batch.StatusCode);
        }

        await DrainAsync(data.StagingKey, shards);
        var ids = await cluster.Probe.ClickIdsAsync(data.Uid);
        Assert.Single(ids, id => id == retried);
        Assert.Equal([.. leaders.Order(StringComparer.Ordinal)], ids.Where(id => id != retried).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// What the README says of a change of <c>Clicks:Shards</c>: an id's marker is on the shard its id hashes to among the
    /// shards in force; a retry through an Api with another count is staged once where that shard is the same, and again
    /// where it moved.
    /// </summary>
    [Fact]
    public async Task RetriesAfterAChangeOfShards_AreStagedAgainExactlyWhereTheIdsShardMoved()
    {
        var data = new TestData();
        var ids = Enumerable.Range(0, 30).Select(i => $"moved{i}-{data.Uid}").ToArray();
        var moved = ids.Where(id => StreamStager.ShardOf(id, 3) != StreamStager.ShardOf(id, 2)).ToHashSet();
        Assert.InRange(moved.Count, 1, ids.Length - 1);
        var batch = ids.Select((id, i) => new { uid = data.Uid, pid = data.Pid(i), id }).ToArray();

        foreach (var shards in new[] { 3, 2 })
        {
            await using var api = cluster.Api(data.StagingKey, ("Clicks:Shards", shards.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            using var http = api.CreateClient();
            Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/clicks/batch", batch)).StatusCode);
        }

        await DrainAsync(data.StagingKey, shards: 3);
        var stored = (await cluster.Probe.ClickIdsAsync(data.Uid)).CountBy(id => id).ToDictionary();
        Assert.All(ids, id => Assert.Equal(moved.Contains(id) ? 2 : 1, stored[id]));
    }

    /// <summary>Drains every shard of a stream staged with <paramref name="shards"/> shards, whatever the test cluster's own count.</summary>
    private Task DrainAsync(string stagingKey, int shards) =>
        Task.WhenAll(new StagingStream(new ClickOptions { StagingKey = stagingKey, Shards = shards }).Shards
            .Select(shard => cluster.Grains.GetGrain<IAggregatorGrain>(shard.Staging!).Drain()));
}
