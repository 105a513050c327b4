using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClickOrleans.Tests.Infrastructure;

namespace ClickOrleans.Tests.Ingest;

/// <summary>
/// A client that retries with its own click id gets the click stored once within <c>Clicks:IdempotencyWindow</c>,
/// whether the retries come one after the other, at once, or inside one batch; after the window a retry is a new click.
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
}
