using System.Net;
using System.Net.Http.Json;
using ClickOrleans.Tests.Infrastructure;

namespace ClickOrleans.Tests.Operations;

/// <summary>
/// Drains triggered by size, not by time: the staging keys here have no reminder at all, so anything that reaches
/// the sink got there through a poke or the size check.
/// </summary>
[Collection(SqliteClusterCollection.Name)]
public sealed class FlushBySizeTests(SqliteClusterFixture cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task PushesCrossingTheFlushSize_PokeTheAggregator_SoClicksDrainWithoutTheReminder()
    {
        var data = new TestData();
        await using var api = Api(data, flushSize: 1000);
        using var http = api.CreateClient();

        // Every push of a full flush size crosses a multiple of it, whatever the drains took in between.
        for (var batch = 0; batch < 5; batch++)
        {
            var clicks = Enumerable.Range(batch * 1000, 1000).Select(i => new { uid = data.Uid, pid = data.Pid(i) });
            Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/clicks/batch", clicks)).StatusCode);
        }

        var written = await Poll.UntilAsync(() => WrittenAsync(data), count => count == 5000, Deadline);

        Assert.Equal(5000, written);
        Assert.InRange((await cluster.Aggregator(data).GetStats()).Totals.Drains, 1, 10);
    }

    [Fact]
    public async Task ListFilledStraightThroughRedis_DrainsWhenTheSizeCheckSeesItPastTheFlushSize()
    {
        var data = new TestData();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, data.SeedElements(ClusterFixture.FlushSize + 10));

        await cluster.Aggregator(data).GetStats(); // activates the aggregator, as its reminder would in production
        var written = await Poll.UntilAsync(() => WrittenAsync(data), count => count == ClusterFixture.FlushSize + 10, Deadline);

        Assert.Equal(ClusterFixture.FlushSize + 10, written);
    }

    [Fact]
    public async Task SteadyStream_DrainsOneAtATime_EachTakingWhatAccumulated()
    {
        var data = new TestData();
        await using var api = Api(data, flushSize: 100);
        using var http = api.CreateClient();

        // Thirty pushes at once, each crossing the flush size: thirty pokes while drains run.
        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(batch =>
            http.PostAsJsonAsync("/clicks/batch", Enumerable.Range(batch * 100, 100).Select(i => new { uid = data.Uid, pid = data.Pid(i) }))));
        foreach (var response in responses)
        {
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        }
        var written = await Poll.UntilAsync(() => WrittenAsync(data), count => count == 3000, Deadline);
        // The stream's figures over every shard (Clicks__Shards), as the Api reports them.
        var stats = await Poll.UntilAsync(() => http.GetFromJsonAsync<AggregatorStats>("/stats"), s => s is { Draining: false }, Deadline);

        Assert.Equal(3000, written);
        Assert.NotNull(stats);
        Assert.Equal(3000, stats.Totals.Written);
        Assert.Equal(0, stats.Totals.Skipped);
        Assert.InRange(stats.Totals.Drains, TestServers.Shards, 10 * TestServers.Shards);
        Assert.Empty(stats.PrivateLists);
        Assert.Equal(0, stats.Backlog);
    }

    [Theory]
    [InlineData(999, 999, 1000, false)]
    [InlineData(1000, 1, 1000, true)]
    [InlineData(1500, 1000, 1000, true)]
    [InlineData(2500, 400, 1000, false)]
    [InlineData(3000, 2500, 1000, true)]
    [InlineData(5000, 5000, 0, false)]
    public void OnlyThePushThatCrossesAMultipleOfTheFlushSize_Pokes(long lengthAfterPush, int pushed, long flushSize, bool pokes) =>
        Assert.Equal(pokes, ClickOrleans.Staging.StreamStager.CrossedFlushSize(lengthAfterPush, pushed, flushSize));

    private async Task<int> WrittenAsync(TestData data) => (await cluster.Probe.ClickIdsAsync(data.Uid)).Count;

    private ApiFactory Api(TestData data, int flushSize) =>
        cluster.Api(data.StagingKey, ("Clicks:FlushSize", flushSize.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}
