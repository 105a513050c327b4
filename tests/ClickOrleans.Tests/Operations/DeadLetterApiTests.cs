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
        var drain = await Aggregator(data).Drain();
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
        await Aggregator(data).Drain();
        await using var api = Api(data);
        using var http = api.CreateClient();

        var replay = await http.PostAsync("/admin/dead-letters/replay", null);

        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(4, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed").GetInt32());
        Assert.Equal(0, await cluster.Redis.ListLengthAsync(new StagingKeys(data.StagingKey).Dead));
        var staged = await cluster.Redis.ListRangeAsync(data.StagingKey);
        Assert.Equal(Poison.Reverse(), staged);
        var again = await Aggregator(data).Drain();
        Assert.Equal((4, 4), (again.Elements, again.Dead));
    }

    [Fact]
    public async Task Purge_DeletesEveryDeadLetter_AndSaysHowMany()
    {
        var data = new TestData();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, Poison);
        await Aggregator(data).Drain();
        await using var api = Api(data);
        using var http = api.CreateClient();

        var purge = await http.DeleteAsync("/admin/dead-letters");

        Assert.Equal(4, (await purge.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("purged").GetInt64());
        Assert.Equal(0, await cluster.Redis.ListLengthAsync(new StagingKeys(data.StagingKey).Dead));
        Assert.Equal(0, (await Aggregator(data).GetStats()).DeadLetters);
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

    private IAggregatorGrain Aggregator(TestData data) => cluster.Grains.GetGrain<IAggregatorGrain>(data.StagingKey);

    private ApiFactory Api(TestData data) => cluster.Api(data.StagingKey);
}
