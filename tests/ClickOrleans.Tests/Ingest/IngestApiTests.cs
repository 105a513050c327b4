using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ClickOrleans.Tests.Infrastructure;

namespace ClickOrleans.Tests.Ingest;

/// <summary>The Api as users see it: a client of the test cluster, staging on real Redis.</summary>
[Collection(SqliteClusterCollection.Name)]
public sealed class IngestApiTests(SqliteClusterFixture cluster)
{
    [Fact]
    public async Task PostedClicks_ReachTheSinkOnce_EvenWhenAClientRetries()
    {
        var data = new TestData();
        await using var api = Api(data);
        using var http = api.CreateClient();

        for (var i = 0; i < 5; i++)
        {
            var single = await http.PostAsJsonAsync("/clicks", new { uid = data.Uid, pid = data.Pid(i) });
            Assert.Equal(HttpStatusCode.Accepted, single.StatusCode);
            Assert.False(string.IsNullOrEmpty((await single.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()));
        }

        var clickedAt = DateTimeOffset.UtcNow.AddMinutes(-3).ToOffset(TimeSpan.FromHours(1)).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var retried = new { uid = data.Uid, pid = data.Pid(7), id = "client-" + data.Uid, ts = clickedAt };
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var response = await http.PostAsJsonAsync("/clicks", retried);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.Equal(retried.id, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
        }

        var batch = Enumerable.Range(0, 200).Select(i => new { uid = data.Uid, pid = data.Pid(i) }).ToArray();
        var batchResponse = await http.PostAsJsonAsync("/clicks/batch", batch);
        Assert.Equal(HttpStatusCode.Accepted, batchResponse.StatusCode);
        Assert.Equal(200, (await batchResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetInt32());

        var drain = await http.PostAsync("/admin/drain", null);

        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        var result = await drain.Content.ReadFromJsonAsync<JsonElement>();
        // The retry within the idempotency window was answered 202 and staged nothing.
        Assert.Equal(206, result.GetProperty("elements").GetInt64());
        Assert.Equal(206, result.GetProperty("written").GetInt64());
        var ids = await cluster.Probe.ClickIdsAsync(data.Uid);
        Assert.Equal(206, ids.Count);
        Assert.Single(ids, id => id == retried.id);
        Assert.Equal(206, await cluster.Probe.MinuteClicksAsync(data.PidFrom, data.PidTo));
    }

    [SkippableFact]
    public async Task ConcurrentClicks_ShareLpushes_AndEachIsStagedOnce()
    {
        Skip.If(TestServers.RedisIsEmbedded, RedisCommandStats.NeedsRedisServer);
        var data = new TestData();
        await using var api = Api(data);
        using var http = api.CreateClient();
        var before = await RedisCommandStats.CallsAsync(cluster.Redis.Multiplexer, "lpush");

        var ids = Enumerable.Range(0, 200).Select(i => $"concurrent-{data.Uid}-{i}").ToArray();
        var responses = await Task.WhenAll(ids.Select(id => http.PostAsJsonAsync("/clicks", new { uid = data.Uid, pid = 1, id })));

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.Accepted, response.StatusCode));
        var pushes = await RedisCommandStats.CallsAsync(cluster.Redis.Multiplexer, "lpush") - before;
        Assert.InRange(pushes, 1, ids.Length - 1);
        var staged = (await cluster.StagedAsync(data.StagingKey))
            .Select(element => JsonDocument.Parse((string)element!).RootElement.GetProperty("id").GetString());
        Assert.Equal(ids.Order(), staged.Order());
    }

    [Theory]
    [InlineData("""{"uid":-1,"pid":2}""", "uid")]
    [InlineData("""{"uid":1}""", "pid")]
    [InlineData("""{"pid":1}""", "uid")]
    [InlineData("""{"uid":1,"pid":2,"id":""}""", "id")]
    [InlineData("""{"uid":1,"pid":2,"id":"0123456789012345678901234567890123456789012345678901234567890123X"}""", "id")]
    [InlineData("""{"uid":1,"pid":2,"id":"tab\there"}""", "id")]
    public async Task InvalidClick_Is400WithTheField_AndNothingIsStaged(string body, string field)
    {
        var data = new TestData();
        await using var api = Api(data);
        using var http = api.CreateClient();

        var response = await http.PostAsync("/clicks", Json(body));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(0, await cluster.StagedCountAsync(data.StagingKey));
    }

    [Theory]
    [InlineData("""{"uid":1.5,"pid":2}""", "uid")]
    [InlineData("""{"uid":"7","pid":2}""", "uid")]
    [InlineData("""{"uid":99999999999999999999,"pid":2}""", "uid")]
    [InlineData("""{"uid":1,"pid":2,"ts":"yesterday"}""", "ts")]
    [InlineData("""{"uid":1,"pid":2,"ts":"2026-12-01T07:00:00"}""", "ts")]
    [InlineData("""{"uid":1,"pid":2,"ts":"2026-12-01 07:00:00Z"}""", "ts")]
    [InlineData("""{"uid":1,"uid":2,"pid":1}""", "uid")]
    [InlineData("""{"UID":1,"pid":1}""", "UID")]
    public async Task WrongTypeNameOrRepetition_Is400NamingTheProperty_AndNothingIsStaged(string body, string property)
    {
        var data = new TestData();
        await using var api = Api(data);
        using var http = api.CreateClient();

        var response = await http.PostAsync("/clicks", Json(body));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(property, out _), problem.ToString());
        Assert.Equal(0, await cluster.StagedCountAsync(data.StagingKey));
    }

    [Theory]
    [InlineData("""{"uid":""")]
    [InlineData("""{"uid":1,"pid":2} trailing""")]
    [InlineData("""{"uid":1,"pid":2}{}""")]
    [InlineData("")]
    public async Task MalformedJson_Is400_AndNothingIsStaged(string body)
    {
        var data = new TestData();
        await using var api = Api(data);
        using var http = api.CreateClient();

        var response = await http.PostAsync("/clicks", Json(body));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("Malformed JSON", problem.GetProperty("title").GetString());
        Assert.Equal(0, await cluster.StagedCountAsync(data.StagingKey));
    }

    [Fact]
    public async Task UnknownField_Is400NamingIt_AndNothingIsStaged()
    {
        var data = new TestData();
        await using var api = Api(data);
        using var http = api.CreateClient();

        var response = await http.PostAsync("/clicks", Json("""{"uid":1,"pdi":2}"""));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("is not a field of the stream 'clicks'", problem.GetProperty("errors").GetProperty("pdi")[0].GetString());
        Assert.Equal(0, await cluster.StagedCountAsync(data.StagingKey));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(-8 * 24 * 60)]
    public async Task TimestampTooFarFromNow_Is400_AndNothingIsStaged(int minutesFromNow)
    {
        var data = new TestData();
        await using var api = Api(data);
        using var http = api.CreateClient();

        var response = await http.PostAsJsonAsync("/clicks", new { uid = 1, pid = 2, ts = DateTimeOffset.UtcNow.AddMinutes(minutesFromNow) });

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("ts", out _), problem.ToString());
        Assert.Equal(0, await cluster.StagedCountAsync(data.StagingKey));
    }

    [Theory]
    [InlineData("+05:30")]
    [InlineData("Z")]
    [InlineData("z")]
    public async Task TimestampWithItsOffset_IsStagedAtThatInstant(string offset)
    {
        var data = new TestData();
        await using var api = Api(data);
        using var http = api.CreateClient();
        var at = DateTimeOffset.UtcNow.AddMinutes(-3);
        var local = offset is "Z" or "z" ? at : at.ToOffset(new TimeSpan(5, 30, 0));
        var ts = local.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture) + offset;

        var response = await http.PostAsync("/clicks", Json($$"""{"uid":1,"pid":2,"ts":"{{ts}}"}"""));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var staged = Assert.Single(await cluster.StagedAsync(data.StagingKey));
        Assert.Equal(at.ToUnixTimeMilliseconds(), JsonDocument.Parse((string)staged!).RootElement.GetProperty("ts").GetInt64());
    }

    [Fact]
    public async Task DeeplyNestedJson_Is400_AndNothingIsStaged()
    {
        var data = new TestData();
        await using var api = Api(data);
        using var http = api.CreateClient();

        var response = await http.PostAsync("/clicks/batch", Json(new string('[', 5000) + new string(']', 5000)));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("Malformed JSON", problem.GetProperty("title").GetString());
        Assert.Equal(0, await cluster.StagedCountAsync(data.StagingKey));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task BodyOverTheSizeLimit_Is413FromKestrel_AndNothingIsStaged(bool withContentLength)
    {
        var data = new TestData();
        await using var api = Api(data, ("Clicks:MaxRequestBytes", "4096"));
        api.UseKestrel(0);
        api.StartServer();
        using var http = api.CreateClient();
        var batch = Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Repeat("""{"uid":1,"pid":2}""", 1000)) + "]");
        HttpContent content = withContentLength ? new ByteArrayContent(batch) : new StreamContent(new NonSeekableStream(batch));
        content.Headers.ContentType = new("application/json");

        var response = await http.PostAsync("/clicks/batch", content);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, await cluster.StagedCountAsync(data.StagingKey));
    }

    [Fact]
    public async Task NonJsonContentType_Is415()
    {
        var data = new TestData();
        await using var api = Api(data);
        using var http = api.CreateClient();

        var response = await http.PostAsync("/clicks", new StringContent("""{"uid":1,"pid":2}""", Encoding.UTF8, "text/plain"));

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(0, await cluster.StagedCountAsync(data.StagingKey));
    }

    [Fact]
    public async Task BatchWithInvalidElements_Is400NamingTheirIndexes_AndNothingIsStaged()
    {
        var data = new TestData();
        await using var api = Api(data);
        using var http = api.CreateClient();

        var response = await http.PostAsync("/clicks/batch", Json("""
            [{"uid":1,"pid":2},{"uid":-1,"pid":2},{"uid":1,"pid":2},{"uid":1},null]
            """));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("1, 3, 4", problem.GetProperty("detail").GetString());
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("[1].uid", out _));
        Assert.True(errors.TryGetProperty("[3].pid", out _));
        Assert.True(errors.TryGetProperty("[4]", out _));
        Assert.Equal(0, await cluster.StagedCountAsync(data.StagingKey));
    }

    [Theory]
    [InlineData("[]", "Empty batch")]
    [InlineData("""[{"uid":1,"pid":1},{"uid":1,"pid":2},{"uid":1,"pid":3},{"uid":1,"pid":4}]""", "Batch too large")]
    [InlineData("""{"uid":1,"pid":2}""", "Malformed JSON")]
    public async Task RejectedBatch_Is400_AndNothingIsStaged(string body, string title)
    {
        var data = new TestData();
        await using var api = Api(data, ("Clicks:MaxBatch", "3"));
        using var http = api.CreateClient();

        var response = await http.PostAsync("/clicks/batch", Json(body));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(title, problem.GetProperty("title").GetString());
        Assert.Equal(0, await cluster.StagedCountAsync(data.StagingKey));
    }

    [SkippableFact]
    public async Task RedisOutOfReach_Is503_NeverA202_AndIngestResumesAfterwards()
    {
        Skip.If(TestServers.RedisIsCluster, TestServers.NeedsOneRedisNode);
        var data = new TestData();
        await using var proxy = new TcpProxy(TestServers.Redis);
        await using var api = Api(data, ("ConnectionStrings:Redis", proxy.Endpoint));
        using var http = api.CreateClient();
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/clicks", new { uid = data.Uid, pid = 1 })).StatusCode);

        proxy.Cut();
        var during = await http.PostAsJsonAsync("/clicks", new { uid = data.Uid, pid = 2 });
        var duringBatch = await http.PostAsJsonAsync("/clicks/batch", new[] { new { uid = data.Uid, pid = 3 } });

        await AssertProblemAsync(during, HttpStatusCode.ServiceUnavailable);
        await AssertProblemAsync(duringBatch, HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(during.Headers.RetryAfter);
        Assert.Equal(1, await cluster.StagedCountAsync(data.StagingKey));

        proxy.Restore();
        var status = await Poll.UntilAsync(
            async () => (await http.PostAsJsonAsync("/clicks", new { uid = data.Uid, pid = 4 })).StatusCode,
            code => code == HttpStatusCode.Accepted,
            TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(2, await cluster.StagedCountAsync(data.StagingKey));
    }

    /// <summary>
    /// A Redis that is connected but not answering (stopped, forking) applies the push when it goes on, after the Api
    /// answered 503: the problem details say the click may be staged, and that only an id makes its retry exactly once.
    /// </summary>
    [SkippableFact]
    public async Task RedisNotAnswering_Is503SayingTheClickMayBeStaged_AndThePushLandsWhenRedisGoesOn()
    {
        Skip.If(TestServers.RedisIsCluster, TestServers.NeedsOneRedisNode);
        var data = new TestData();
        await using var proxy = new TcpProxy(TestServers.Redis);
        await using var api = Api(data, ("ConnectionStrings:Redis", proxy.Endpoint + ",asyncTimeout=1000"));
        using var http = api.CreateClient();
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/clicks", new { uid = data.Uid, pid = 1 })).StatusCode);

        proxy.Stall();
        var during = await http.PostAsJsonAsync("/clicks", new { uid = data.Uid, pid = 2 });
        proxy.Restore();

        var problem = await AssertProblemAsync(during, HttpStatusCode.ServiceUnavailable);
        Assert.Contains("may or may not be staged", problem.GetProperty("detail").GetString());
        Assert.Contains("without an id may be kept twice", problem.GetProperty("detail").GetString());
        var staged = await Poll.UntilAsync(() => cluster.StagedCountAsync(data.StagingKey), count => count == 2, TimeSpan.FromSeconds(30));
        Assert.Equal(2, staged);
    }

    private ApiFactory Api(TestData data, params (string Key, string Value)[] overrides) => cluster.Api(data.StagingKey, overrides);

    // No length known up front: the client sends the body chunked, so Kestrel can only stop it while reading.
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }
}
