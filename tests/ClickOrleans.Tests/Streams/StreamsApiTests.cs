using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClickOrleans.Tests.Infrastructure;

namespace ClickOrleans.Tests.Streams;

/// <summary>
/// <c>GET /streams</c> describes the streams this deployment runs, as its staging, drain and sinks handle them, and
/// <c>/streams/{stream}/events</c> stages a stream's events with the contract of <c>/clicks</c>.
/// </summary>
[Collection(SqliteClusterCollection.Name)]
public sealed class StreamsApiTests(SqliteClusterFixture cluster)
{
    [Fact]
    public async Task Streams_ListTheClicksStream_WithItsFields_Rollup_Index_StagingAndTable()
    {
        var data = new TestData();
        await using var api = cluster.Api(data.StagingKey, ("Clicks:Shards", "3"));
        using var http = api.CreateClient();

        var streams = await http.GetFromJsonAsync<JsonElement>("/streams");

        Assert.Equal(["clicks", "orders", "page_views"], streams.EnumerateArray().Select(stream => stream.GetProperty("name").GetString()));
        var clicks = streams[0];
        Assert.Equal(clicks.GetRawText(), (await http.GetFromJsonAsync<JsonElement>("/streams/clicks")).GetRawText());
        Assert.Equal("clicks", clicks.GetProperty("name").GetString());
        Assert.Equal(data.StagingKey, clicks.GetProperty("stagingKey").GetString());
        Assert.Equal(3, clicks.GetProperty("shards").GetInt32());
        Assert.Equal("clicks", clicks.GetProperty("table").GetString());
        Assert.Equal("ignoreWhenStaged", clicks.GetProperty("extra").GetString());
        Assert.Equal(
            ["id string optional 64", "ts timestamp optional", "uid int64 required 0..9223372036854775807", "pid int64 required 0..9223372036854775807"],
            clicks.GetProperty("fields").EnumerateArray().Select(Describe));
        var rollup = Assert.Single(clicks.GetProperty("rollups").EnumerateArray());
        Assert.Equal(("minute", "PT1M", "pid", "count", "product_clicks_minute"), (
            rollup.GetProperty("name").GetString(), rollup.GetProperty("bucket").GetString(), string.Join(",", rollup.GetProperty("by").EnumerateArray()),
            string.Join(",", rollup.GetProperty("measures").EnumerateArray()), rollup.GetProperty("table").GetString()));
        var index = Assert.Single(clicks.GetProperty("indexes").EnumerateArray());
        Assert.Equal("uid,ts", string.Join(",", index.GetProperty("fields").EnumerateArray()));
        Assert.Equal("keep", streams[2].GetProperty("extra").GetString());
    }

    [Fact]
    public async Task UnknownStream_Is404NamingTheStreamsThereAre_AndStagesNothing()
    {
        var data = new TestData();
        await using var api = cluster.Api(data.StagingKey);
        using var http = api.CreateClient();

        var schema = await http.GetAsync("/streams/payments");
        var one = await http.PostAsJsonAsync("/streams/payments/events", new { uid = data.Uid, pid = data.Pid(0) });
        var batch = await http.PostAsJsonAsync("/streams/Clicks/events/batch", new[] { new { uid = data.Uid, pid = data.Pid(0) } });

        foreach (var (response, stream) in new[] { (schema, "payments"), (one, "payments"), (batch, "Clicks") })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("Unknown stream", problem.GetProperty("title").GetString());
            Assert.Equal($"This deployment runs no stream '{stream}'; it runs: clicks, orders, page_views.", problem.GetProperty("detail").GetString());
        }

        Assert.Equal(0, await cluster.StagedCountAsync(data.StagingKey));
    }

    [Fact]
    public async Task ClicksStreamEvents_AreStagedAndStoredAsPostClicksStagesThem()
    {
        var data = new TestData();
        await using var api = cluster.Api(data.StagingKey);
        using var http = api.CreateClient();

        var one = await http.PostAsJsonAsync("/streams/clicks/events", new { uid = data.Uid, pid = data.Pid(0), id = $"one-{data.Uid}" });
        var batch = await http.PostAsJsonAsync("/streams/clicks/events/batch", new object[]
        {
            new { uid = data.Uid, pid = data.Pid(1), id = $"two-{data.Uid}" },
            new { uid = data.Uid, pid = data.Pid(2), id = $"three-{data.Uid}" },
        });
        var invalid = await http.PostAsJsonAsync("/streams/clicks/events/batch", new object[]
        {
            new { uid = data.Uid, pid = data.Pid(3), id = $"four-{data.Uid}" },
            new { uid = data.Uid, pid = -1 },
        });

        Assert.Equal(HttpStatusCode.Accepted, one.StatusCode);
        Assert.Equal($"one-{data.Uid}", (await one.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.Accepted, batch.StatusCode);
        Assert.Equal(2, (await batch.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.True((await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("[1].pid", out _));
        await cluster.DrainStreamAsync(data.StagingKey);
        Assert.Equal([$"one-{data.Uid}", $"three-{data.Uid}", $"two-{data.Uid}"], (await cluster.Probe.ClickIdsAsync(data.Uid)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ClicksStreamOperatorRoutes_AnswerAsTheRoutesBeforeStreams_AndUnknownStreamsAre404()
    {
        var data = new TestData();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, [.. data.SeedElements(3), "not json", "{\"pid\":5}"]);
        await using var api = cluster.Api(data.StagingKey);
        using var http = api.CreateClient();

        var drain = await http.PostAsync("/admin/streams/clicks/drain", null);
        var stats = await http.GetFromJsonAsync<JsonElement>("/streams/clicks/stats");
        var letters = await http.GetFromJsonAsync<JsonElement>("/admin/streams/clicks/dead-letters");

        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        var result = await drain.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((5L, 3L, 2L), (result.GetProperty("elements").GetInt64(), result.GetProperty("written").GetInt64(), result.GetProperty("dead").GetInt64()));
        Assert.Equal((await http.GetFromJsonAsync<JsonElement>("/stats")).GetProperty("totals").GetRawText(), stats.GetProperty("totals").GetRawText());
        Assert.Equal(data.StagingKey, stats.GetProperty("stagingKey").GetString());
        Assert.Equal((await http.GetFromJsonAsync<JsonElement>("/admin/dead-letters")).GetRawText(), letters.GetRawText());
        Assert.Equal(2, letters.GetProperty("count").GetInt64());
        var replay = await http.PostAsync("/admin/streams/clicks/dead-letters/replay", null);
        Assert.Equal(2, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed").GetInt32());
        Assert.Equal(2, await cluster.StagedCountAsync(data.StagingKey));
        await cluster.Aggregator(data).Drain();
        var purge = await http.DeleteAsync("/admin/streams/clicks/dead-letters");
        Assert.Equal(2, (await purge.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("purged").GetInt64());

        var unknown = new[]
        {
            await http.GetAsync("/streams/payments/stats"),
            await http.PostAsync("/admin/streams/payments/drain", null),
            await http.GetAsync("/admin/streams/payments/dead-letters"),
            await http.PostAsync("/admin/streams/payments/dead-letters/replay", null),
            await http.DeleteAsync("/admin/streams/payments/dead-letters"),
        };
        Assert.All(unknown, response => Assert.Equal(HttpStatusCode.NotFound, response.StatusCode));
    }

    private static string Describe(JsonElement field)
    {
        var text = $"{field.GetProperty("name").GetString()} {field.GetProperty("type").GetString()} {(field.GetProperty("required").GetBoolean() ? "required" : "optional")}";
        if (field.GetProperty("min").ValueKind == JsonValueKind.Number)
        {
            text += $" {field.GetProperty("min").GetRawText()}..{field.GetProperty("max").GetRawText()}";
        }

        return field.GetProperty("maxLength").ValueKind == JsonValueKind.Number ? $"{text} {field.GetProperty("maxLength").GetInt32()}" : text;
    }
}
