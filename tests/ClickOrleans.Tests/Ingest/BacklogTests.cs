using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClickOrleans.Drain;
using ClickOrleans.Staging;
using ClickOrleans.Tests.Infrastructure;

namespace ClickOrleans.Tests.Ingest;

/// <summary>
/// Back-pressure before Redis is full: past <c>Clicks:MaxBacklog</c> elements waiting on a shard (its staging list and
/// its private lists), a push is refused whole with a 503 naming the backlog, and accepted again once the drain freed room;
/// past <c>Clicks:MaxClientIds</c> client-id markers on a shard, a push with new ids is refused whole until markers expire.
/// </summary>
[Collection(SqliteClusterCollection.Name)]
public sealed class BacklogTests(SqliteClusterFixture cluster)
{
    [Fact]
    public async Task PushPastTheBacklogLimit_Is503NamingTheBacklog_StagesNothing_AndIsAcceptedAfterADrain()
    {
        var data = new TestData();
        // MaxBatch and FlushSize within the small backlog, as the settings require.
        await using var api = cluster.Api(
            data.StagingKey, ("Clicks:MaxBacklog", "100"), ("Clicks:MaxBatch", "100"), ("Clicks:FlushSize", "0"), ("Clicks:Shards", "1"));
        using var http = api.CreateClient();
        Assert.Equal(HttpStatusCode.Accepted, (await PostBatchAsync(http, data, 60)).StatusCode);

        var refused = await PostBatchAsync(http, data, 60);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter?.Delta);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Backlog full", problem.GetProperty("title").GetString());
        Assert.Contains($"The backlog of {data.StagingKey} is 60 elements", problem.GetProperty("detail").GetString());
        Assert.Contains("Clicks:MaxBacklog allows 100", problem.GetProperty("detail").GetString());
        Assert.Equal(60, await cluster.StagedCountAsync(data.StagingKey));

        // Taken over but not drained, the 60 still count: a private list is backlog too.
        var lists = new PrivateLists(cluster.Redis, new StagingKeys(data.StagingKey));
        await lists.TakeOverAsync(DrainTick.Now(TimeProvider.System), ClusterFixture.Partitions, TimeSpan.FromMinutes(5), PrivateList.ByEventId, ClickBatch.Rules.Version);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await PostBatchAsync(http, data, 50)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted,
            (await http.PostAsJsonAsync("/clicks", new { uid = data.Uid, pid = data.Pid(0), id = $"one-{data.Uid}" })).StatusCode);
        var withIds = Enumerable.Range(0, 45).Select(i => new { uid = data.Uid, pid = data.Pid(i), id = $"batch-{data.Uid}-{i}" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.PostAsJsonAsync("/clicks/batch", withIds)).StatusCode);

        await cluster.DrainStreamAsync(data.StagingKey);

        Assert.Equal(HttpStatusCode.Accepted, (await PostBatchAsync(http, data, 50)).StatusCode);
        await cluster.DrainStreamAsync(data.StagingKey);
        Assert.Equal(111, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
    }

    [Fact]
    public async Task PushPastTheClientIdLimit_Is503NamingTheLimit_StagesNothing_RetriesStillPass_AndNewIdsPassAfterTheWindow()
    {
        var data = new TestData();
        await using var api = cluster.Api(data.StagingKey, ("Clicks:MaxClientIds", "10"), ("Clicks:MaxBatch", "10"),
            ("Clicks:IdempotencyWindow", "00:00:02"), ("Clicks:FlushSize", "0"), ("Clicks:Shards", "1"));
        using var http = api.CreateClient();
        Assert.Equal(HttpStatusCode.Accepted, (await PostIdsAsync(http, data, "a", 8)).StatusCode);

        var refused = await PostIdsAsync(http, data, "b", 3);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.InRange(refused.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4));
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Client ids full", problem.GetProperty("title").GetString());
        Assert.Contains($"{data.StagingKey} holds 8 client ids", problem.GetProperty("detail").GetString());
        Assert.Contains("Clicks:MaxClientIds allows 10", problem.GetProperty("detail").GetString());
        Assert.Equal(8, await cluster.StagedCountAsync(data.StagingKey));
        Assert.False(await cluster.Redis.KeyExistsAsync(new StagingKeys(data.StagingKey).ClientId($"b0-{data.Uid}")));

        // Retries of ids already held add no marker; two new ones fit.
        Assert.Equal(HttpStatusCode.Accepted, (await PostIdsAsync(http, data, "a", 8)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await PostIdsAsync(http, data, "b", 2)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await PostIdsAsync(http, data, "c", 1)).StatusCode);

        var later = await Poll.UntilAsync(() => PostIdsAsync(http, data, "c", 1), response => response.StatusCode == HttpStatusCode.Accepted, TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.Accepted, later.StatusCode);
        await cluster.DrainStreamAsync(data.StagingKey);
        Assert.Equal(11, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
    }

    private static Task<HttpResponseMessage> PostIdsAsync(HttpClient http, TestData data, string prefix, int count) =>
        http.PostAsJsonAsync("/clicks/batch", Enumerable.Range(0, count).Select(i => new { uid = data.Uid, pid = data.Pid(i), id = $"{prefix}{i}-{data.Uid}" }));

    private static Task<HttpResponseMessage> PostBatchAsync(HttpClient http, TestData data, int count) =>
        http.PostAsJsonAsync("/clicks/batch", Enumerable.Range(0, count).Select(i => new { uid = data.Uid, pid = data.Pid(i) }));
}
