using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ClickOrleans.Tests.Infrastructure;

namespace ClickOrleans.Tests.Security;

/// <summary>With keys configured, every endpoint but the probes needs a key that carries its scope.</summary>
[Trait("Category", "AnyRedis")]
[Collection(SqliteClusterCollection.Name)]
public sealed class ApiKeyTests(SqliteClusterFixture cluster)
{
    [Theory]
    [InlineData("POST", "/clicks", null, HttpStatusCode.Unauthorized)]
    [InlineData("POST", "/clicks", "not-a-key", HttpStatusCode.Unauthorized)]
    [InlineData("POST", "/clicks", TestKeys.Read, HttpStatusCode.Forbidden)]
    [InlineData("POST", "/clicks", TestKeys.Admin, HttpStatusCode.Forbidden)]
    [InlineData("POST", "/clicks", TestKeys.Ingest, HttpStatusCode.Accepted)]
    [InlineData("POST", "/clicks/batch", TestKeys.Ingest, HttpStatusCode.Accepted)]
    [InlineData("POST", "/streams/clicks/events", TestKeys.Read, HttpStatusCode.Forbidden)]
    [InlineData("POST", "/streams/clicks/events", TestKeys.Ingest, HttpStatusCode.Accepted)]
    [InlineData("POST", "/streams/clicks/events/batch", TestKeys.Ingest, HttpStatusCode.Accepted)]
    [InlineData("GET", "/streams", null, HttpStatusCode.Unauthorized)]
    [InlineData("GET", "/streams", TestKeys.Ingest, HttpStatusCode.Forbidden)]
    [InlineData("GET", "/streams/clicks", TestKeys.Read, HttpStatusCode.OK)]
    [InlineData("GET", "/products/top", null, HttpStatusCode.Unauthorized)]
    [InlineData("GET", "/products/top", TestKeys.Ingest, HttpStatusCode.Forbidden)]
    [InlineData("GET", "/products/top", TestKeys.Read, HttpStatusCode.OK)]
    [InlineData("GET", "/users/1/clicks", TestKeys.Read, HttpStatusCode.OK)]
    [InlineData("GET", "/streams/orders/rollups/per_customer_hour", null, HttpStatusCode.Unauthorized)]
    [InlineData("GET", "/streams/orders/rollups/per_customer_hour", TestKeys.Ingest, HttpStatusCode.Forbidden)]
    [InlineData("GET", "/streams/orders/rollups/per_customer_hour", TestKeys.Read, HttpStatusCode.OK)]
    [InlineData("GET", "/streams/orders/rollups/per_customer_hour/top", TestKeys.Read, HttpStatusCode.OK)]
    [InlineData("GET", "/streams/orders/events", null, HttpStatusCode.Unauthorized)]
    [InlineData("GET", "/streams/orders/events", TestKeys.Ingest, HttpStatusCode.Forbidden)]
    [InlineData("GET", "/streams/orders/events?customer=ann", TestKeys.Read, HttpStatusCode.OK)]
    [InlineData("POST", "/admin/drain", TestKeys.Read, HttpStatusCode.Forbidden)]
    [InlineData("POST", "/admin/drain", TestKeys.Admin, HttpStatusCode.OK)]
    [InlineData("GET", "/stats", TestKeys.Ingest, HttpStatusCode.Forbidden)]
    [InlineData("GET", "/stats", TestKeys.Admin, HttpStatusCode.OK)]
    [InlineData("GET", "/streams/clicks/stats", TestKeys.Read, HttpStatusCode.Forbidden)]
    [InlineData("GET", "/streams/clicks/stats", TestKeys.Admin, HttpStatusCode.OK)]
    [InlineData("POST", "/admin/streams/clicks/drain", TestKeys.Ingest, HttpStatusCode.Forbidden)]
    [InlineData("GET", "/admin/streams/clicks/dead-letters", TestKeys.Read, HttpStatusCode.Forbidden)]
    [InlineData("GET", "/admin/streams/clicks/dead-letters", TestKeys.Admin, HttpStatusCode.OK)]
    [InlineData("GET", "/admin/dead-letters", TestKeys.Read, HttpStatusCode.Forbidden)]
    [InlineData("DELETE", "/admin/dead-letters", TestKeys.Admin, HttpStatusCode.OK)]
    [InlineData("GET", "/metrics", null, HttpStatusCode.Unauthorized)]
    [InlineData("GET", "/metrics", TestKeys.Admin, HttpStatusCode.OK)]
    [InlineData("GET", "/health", null, HttpStatusCode.OK)]
    [InlineData("GET", "/alive", null, HttpStatusCode.OK)]
    public async Task EachEndpoint_NeedsAKeyWithItsScope(string method, string path, string? key, HttpStatusCode expected)
    {
        var data = new TestData();
        await using var api = Api(data);
        using var http = api.CreateClient();

        var response = await http.SendAsync(Request(method, path, key));

        Assert.Equal(expected, response.StatusCode);
        if (expected is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(0, await cluster.StagedCountAsync(data.StagingKey));
        }

        if (expected is HttpStatusCode.Unauthorized)
        {
            Assert.Contains("X-Api-Key", response.Headers.WwwAuthenticate.ToString());
        }
    }

    [Fact]
    public async Task HashedKey_AndBearerHeader_Authenticate()
    {
        var data = new TestData();
        await using var api = Api(data);
        using var http = api.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Get, "/products/top");
        request.Headers.Authorization = new("Bearer", TestKeys.Read);

        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AKeyOverItsRate_Gets429WithRetryAfter_AndThatClickIsNotStaged()
    {
        var data = new TestData();
        await using var api = Api(data, ("Api:RequestsPerSecond", "1"), ("Api:Burst", "2"));
        using var http = api.CreateClient();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 3; i++)
        {
            var response = await http.SendAsync(Request("POST", "/clicks", TestKeys.Ingest));
            statuses.Add(response.StatusCode);
            limited = response;
        }

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], statuses);
        Assert.NotNull(limited!.Headers.RetryAfter);
        var problem = await limited.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal(2, await cluster.StagedCountAsync(data.StagingKey));
    }

    [Fact]
    public async Task WrongKeysOverTheRate_Get429_WhileAValidKeyKeepsItsOwnBucket()
    {
        var data = new TestData();
        await using var api = Api(data, ("Api:RequestsPerSecond", "1"), ("Api:Burst", "5"));
        using var http = api.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++)
        {
            statuses.Add((await http.SendAsync(Request("GET", "/stats", $"guessed-key-{i:D8}"))).StatusCode);
        }

        Assert.All(statuses, status => Assert.True(status is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, $"{status}"));
        Assert.InRange(statuses.Count(status => status == HttpStatusCode.Unauthorized), 5, 10);
        Assert.Equal(HttpStatusCode.Accepted, (await http.SendAsync(Request("POST", "/clicks", TestKeys.Ingest))).StatusCode);
    }

    [SkippableFact]
    public async Task Health_WithKeys_TellsAnonymousCallersOnlyTheStatus_TheAdminTheReasons_AndAFloodRunsTheChecksOncePerSecond()
    {
        var data = new TestData();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, data.SeedElements(10));
        await using var api = Api(data, ("Clicks:StallAfter", "00:00:01"), ("Clicks:Shards", "1"));
        using var http = api.CreateClient();

        var detailed = await Poll.UntilAsync(async () => await (await http.SendAsync(Request("GET", "/health", TestKeys.Admin))).Content.ReadAsStringAsync(),
            text => text.StartsWith("Degraded", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        var anonymous = await Poll.UntilAsync(() => http.GetStringAsync("/health"), text => text != "Healthy", TimeSpan.FromSeconds(10));

        Assert.Contains("10 elements have waited on the staging list since", detailed);
        Assert.Equal("Degraded", anonymous);
        Skip.If(TestServers.RedisIsEmbedded, RedisCommandStats.NeedsRedisServer);
        var pings = await RedisCommandStats.CallsAsync(cluster.Redis.Multiplexer, "ping");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal("Degraded", await http.GetStringAsync("/health"));
        }

        var checks = await RedisCommandStats.CallsAsync(cluster.Redis.Multiplexer, "ping") - pings;
        // One report per second at most (each pings every node once), not one per request.
        Assert.InRange(checks, 0, (clock.Elapsed.TotalSeconds + 2) * cluster.Redis.Multiplexer.GetServers().Length);
    }

    [Fact]
    public async Task InvalidKeyConfiguration_StopsTheStart_NamingTheKey()
    {
        var data = new TestData();
        await using var api = Api(data, ("Api:Keys:3:Name", "broken"), ("Api:Keys:3:KeyHash", "not-hex"), ("Api:Keys:3:Scopes:0", "ingest"));

        var error = Assert.ThrowsAny<Exception>(() => api.CreateClient());

        Assert.Contains("Api:Keys:3:KeyHash", error.ToString());
    }

    private static HttpRequestMessage Request(string method, string path, string? key)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST" && (path.StartsWith("/clicks", StringComparison.Ordinal) || path.StartsWith("/streams/", StringComparison.Ordinal)))
        {
            var click = """{"uid":1,"pid":2}""";
            request.Content = new StringContent(path.EndsWith("batch", StringComparison.Ordinal) ? $"[{click}]" : click, Encoding.UTF8, "application/json");
        }

        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        return request;
    }

    private ApiFactory Api(TestData data, params (string Key, string Value)[] overrides) =>
        cluster.Api(data.StagingKey, [.. TestKeys.Settings, .. overrides]);
}
