using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClickOrleans.Staging;
using ClickOrleans.Tests.Infrastructure;
using StackExchange.Redis;

namespace ClickOrleans.Tests.Operations;

/// <summary>What other producers push that no drain can parse: listed, replayed after a fix, purged.</summary>
[Collection(SqliteClusterCollection.Name)]
public sealed class DeadLetterApiTests(SqliteClusterFixture cluster)
{
    private static readonly RedisValue[] Poison = ["not json", """{"uid":"x","pid":1}""", new string('z', 100_000), """{"pid":5}"""];

    [Fact]
    public async Task DeadLetters_ListTheReasonAndSource_OldestFirst()
    {
        var data = new TestData();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, [.. data.SeedElements(5), .. Poison]);
        var drain = await cluster.Aggregator(data).Drain();
        await using var api = Api(data);
        using var http = api.CreateClient();

        var page = await http.GetFromJsonAsync<JsonElement>("/admin/dead-letters?limit=2");

        Assert.Equal(4, page.GetProperty("count").GetInt64());
        var letters = page.GetProperty("letters").EnumerateArray().ToArray();
        Assert.Equal(2, letters.Length);
        Assert.Equal(["not json", """{"uid":"x","pid":1}"""], letters.Select(l => l.GetProperty("element").GetString()));
        Assert.All(letters, l => Assert.Equal(drain.Lists[0], l.GetProperty("source").GetString()));
        Assert.StartsWith("uid must be", letters[1].GetProperty("reason").GetString());
        Assert.Equal(6, letters[1].GetProperty("position").GetInt64());
    }

    [Fact]
    public async Task Replay_MovesTheElementsBackToStaging_AndTheDrainSeesThemAgain()
    {
        var data = new TestData();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, Poison);
        await cluster.Aggregator(data).Drain();
        await using var api = Api(data);
        using var http = api.CreateClient();

        var replay = await http.PostAsync("/admin/dead-letters/replay", null);

        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(4, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed").GetInt32());
        Assert.Equal(0, await cluster.Redis.ListLengthAsync(new StagingKeys(data.StagingKey).Dead));
        var staged = await cluster.Redis.ListRangeAsync(data.StagingKey);
        Assert.Equal(Poison.Reverse(), staged);
        var again = await cluster.Aggregator(data).Drain();
        Assert.Equal((4, 4), (again.Elements, again.Dead));
    }

    [Fact]
    public async Task Replay_StagesNoMoreThanMaxBacklogAllows_AndSaysWhatIsLeft()
    {
        var data = new TestData();
        await PushDeadLettersAsync(new StagingKeys(data.StagingKey));
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, data.SeedElements(9_998));
        await using var api = cluster.Api(data.StagingKey, ("Clicks:MaxBacklog", "10000"), ("Clicks:FlushSize", "0"));
        using var http = api.CreateClient();

        var first = await http.PostAsync("/admin/dead-letters/replay", null);
        var second = await http.PostAsync("/admin/dead-letters/replay", null);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var replay = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, replay.GetProperty("replayed").GetInt32());
        Assert.Equal(2, replay.GetProperty("shards")[0].GetProperty("left").GetInt64());
        Assert.Equal(10_000, await cluster.Redis.ListLengthAsync(data.StagingKey));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Contains("Clicks:MaxBacklog (10000)", (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(2, await cluster.Redis.ListLengthAsync(new StagingKeys(data.StagingKey).Dead));
    }

    [Fact]
    public async Task Replay_OverShards_ReportsEachShard_WhenOnlySomeMoved()
    {
        var data = new TestData();
        var shards = new StagingStream(new ClickOptions { StagingKey = data.StagingKey, Shards = 2 }).Shards;
        foreach (var shard in shards)
        {
            await PushDeadLettersAsync(shard);
        }

        await cluster.Redis.ListLeftPushAsync(shards[0].Staging, data.SeedElements(10_000));
        await using var api = cluster.Api(data.StagingKey, ("Clicks:MaxBacklog", "10000"), ("Clicks:FlushSize", "0"), ("Clicks:Shards", "2"));
        using var http = api.CreateClient();

        var response = await http.PostAsync("/admin/dead-letters/replay", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var replay = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(4, replay.GetProperty("replayed").GetInt32());
        var (full, moved) = (replay.GetProperty("shards")[0], replay.GetProperty("shards")[1]);
        Assert.Equal((shards[0].Staging.ToString(), 0, 4L), (full.GetProperty("stagingKey").GetString(), full.GetProperty("replayed").GetInt32(), full.GetProperty("left").GetInt64()));
        Assert.Contains("no room under Clicks:MaxBacklog", full.GetProperty("refused").GetString());
        Assert.Equal((shards[1].Staging.ToString(), 4, 0L), (moved.GetProperty("stagingKey").GetString(), moved.GetProperty("replayed").GetInt32(), moved.GetProperty("left").GetInt64()));
    }

    /// <summary>After Clicks:Shards was lowered from 3 to 1, the dead letters of shards 1 and 2 are still reached with ?shards=3.</summary>
    [Fact]
    public async Task DeadLettersOfShardsAboveClicksShards_AreReachedWithTheShardsParameter()
    {
        var data = new TestData();
        var left = new StagingStream(new ClickOptions { StagingKey = data.StagingKey, Shards = 3 }).Shards[2];
        await PushDeadLettersAsync(left);
        await using var api = cluster.Api(data.StagingKey, ("Clicks:Shards", "1"));
        using var http = api.CreateClient();

        var configured = await http.GetFromJsonAsync<JsonElement>("/admin/dead-letters");
        var reached = await http.GetFromJsonAsync<JsonElement>("/admin/dead-letters?shards=3");
        var replay = await http.PostAsync("/admin/dead-letters/replay?shards=3", null);
        var tooMany = await http.GetAsync("/admin/dead-letters?shards=1025");

        Assert.Equal(0, configured.GetProperty("count").GetInt64());
        Assert.Equal(Poison.Length, reached.GetProperty("count").GetInt64());
        Assert.Equal(Poison.Length, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed").GetInt32());
        Assert.Equal(Poison.Length, await cluster.Redis.ListLengthAsync(left.Staging));
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
    }

    [Fact]
    public async Task Replay_OfAHandPushedLetterOfAnotherShape_StagesItWhole()
    {
        var data = new TestData();
        const string handPushed = """{"uid":1,"pid":2}""";
        await cluster.Redis.ListLeftPushAsync(new StagingKeys(data.StagingKey).Dead, handPushed);
        await using var api = Api(data);
        using var http = api.CreateClient();

        var replay = await http.PostAsync("/admin/dead-letters/replay", null);

        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal([handPushed], (await cluster.Redis.ListRangeAsync(data.StagingKey)).Select(element => (string?)element));
    }

    [Fact]
    public async Task Purge_DeletesEveryDeadLetter_AndSaysHowMany()
    {
        var data = new TestData();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, Poison);
        await cluster.Aggregator(data).Drain();
        await using var api = Api(data);
        using var http = api.CreateClient();

        var purge = await http.DeleteAsync("/admin/dead-letters");

        Assert.Equal(4, (await purge.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("purged").GetInt64());
        Assert.Equal(0, await cluster.Redis.ListLengthAsync(new StagingKeys(data.StagingKey).Dead));
        Assert.Equal(0, (await cluster.Aggregator(data).GetStats()).DeadLetters);
    }

    [Theory]
    [InlineData("/admin/dead-letters?limit=0")]
    [InlineData("/admin/dead-letters?limit=10001")]
    public async Task BadLimit_Is400(string url)
    {
        await using var api = Api(new TestData());
        using var http = api.CreateClient();

        var response = await http.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    /// <summary>The dead letters a drain would have written for <see cref="Poison"/>, without a drain: no aggregator of the key is active to drain it.</summary>
    private Task PushDeadLettersAsync(StagingKeys keys) =>
        cluster.Redis.ListLeftPushAsync(keys.Dead, [.. Poison.Select((element, i) => DeadLetter.Of("a test's dead letter", keys.PrivateList(1)!, i, (byte[])element!).ToRedisValue())]);

    private ApiFactory Api(TestData data) => cluster.Api(data.StagingKey);
}
