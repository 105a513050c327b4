using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClickOrleans.Staging;
using ClickOrleans.Tests.Infrastructure;
using StackExchange.Redis;

namespace ClickOrleans.Tests.Operations;

[Collection(SqliteClusterCollection.Name)]
public sealed class OperatorEndpointsTests(SqliteClusterFixture cluster)
{
    [Fact]
    public async Task Stats_ReportBacklogPrivateListsDeadLettersTotalsAndLag()
    {
        var data = new TestData();
        var now = DateTimeOffset.UtcNow;
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, [.. Elements(data, 3, now.AddMinutes(-2)), "garbage"]);
        var first = await cluster.Aggregator(data).Drain();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, Elements(data, 100, now.AddMinutes(-5)));
        var left = await new PrivateLists(cluster.Redis, new StagingKeys(data.StagingKey))
            .TakeOverAsync(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ClusterFixture.Partitions, TimeSpan.FromMinutes(5), PrivateList.ByEventId, ClickBatch.Rules.Version);
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, Elements(data, 40, now.AddMinutes(-1)));
        await using var api = Api(data);
        using var http = api.CreateClient();

        var stats = await http.GetFromJsonAsync<JsonElement>("/stats");

        Assert.Equal(40, stats.GetProperty("backlog").GetInt64());
        var privateList = Assert.Single(stats.GetProperty("privateLists").EnumerateArray());
        Assert.Equal(left!.Name, privateList.GetProperty("name").GetString());
        Assert.Equal((0, 100), (privateList.GetProperty("committed").GetInt64(), privateList.GetProperty("remaining").GetInt64()));
        Assert.Equal(1, stats.GetProperty("deadLetters").GetInt64());
        var totals = stats.GetProperty("totals");
        Assert.Equal((1, 4, 3, 1), (totals.GetProperty("drains").GetInt64(), totals.GetProperty("elements").GetInt64(),
            totals.GetProperty("written").GetInt64(), totals.GetProperty("dead").GetInt64()));
        Assert.Equal(first.StartedAt, stats.GetProperty("lastDrain").GetProperty("startedAt").GetDateTimeOffset());
        Assert.InRange(TimeSpan.Parse(stats.GetProperty("lag").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(6));
        Assert.False(stats.GetProperty("draining").GetBoolean());
    }

    [Fact]
    public async Task Metrics_CountAcceptedClicksAndDrains_InPrometheusFormat_ByStream()
    {
        var data = new TestData();
        await using var api = Api(data);
        using var http = api.CreateClient();
        for (var i = 0; i < 10; i++)
        {
            await http.PostAsJsonAsync("/clicks", new { uid = data.Uid, pid = data.Pid(i) });
        }

        await http.PostAsJsonAsync("/clicks", new { uid = -1, pid = 1 });
        await http.PostAsync("/admin/drain", null);

        var metrics = await http.GetStringAsync("/metrics");

        Assert.True(CounterValue(metrics, "clickorleans_clicks_accepted_total") >= 10, metrics);
        Assert.True(CounterValue(metrics, "clickorleans_clicks_rejected_total") >= 1, metrics);
        Assert.True(CounterValue(metrics, "clickorleans_drains_total") >= 1, metrics);
        Assert.Contains("clickorleans_drain_duration_seconds_bucket", metrics);
        Assert.Contains("clickorleans_chunk_write_duration_seconds_bucket", metrics);
        Assert.Matches("clickorleans_clicks_accepted_total\\{[^}]*stream=\"clicks\"", metrics);
        Assert.Matches($"clickorleans_drains_total\\{{[^}}]*staging_key=\"{data.StagingKey}\"[^}}]*stream=\"clicks\"", metrics);
    }

    [Fact]
    public async Task Health_IsHealthyWithRedisAndTheCluster_AndAliveNeedsNothing()
    {
        var data = new TestData();
        await using var api = Api(data);
        using var http = api.CreateClient();

        var health = await http.GetAsync("/health");
        var alive = await http.GetAsync("/alive");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [SkippableFact]
    public async Task Health_IsUnhealthyWhenRedisIsOutOfReach_WhileAliveStaysUp()
    {
        Skip.If(TestServers.RedisIsCluster, TestServers.NeedsOneRedisNode);
        var data = new TestData();
        await using var proxy = new TcpProxy(TestServers.Redis);
        await using var api = Api(data, ("ConnectionStrings:Redis", proxy.Endpoint));
        using var http = api.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);

        proxy.Cut();
        var health = await Poll.UntilAsync(() => http.GetAsync("/health"), r => r.StatusCode != HttpStatusCode.OK, TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/alive")).StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesEveryEndpoint()
    {
        await using var api = Api(new TestData());
        using var http = api.CreateClient();

        var document = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths");
        string[] expected = ["/clicks", "/clicks/batch", "/admin/drain", "/stats", "/products/{pid}/clicks", "/products/top", "/users/{uid}/clicks"];
        Assert.All(expected, path => Assert.True(paths.TryGetProperty(path, out _), path));
        var click = paths.GetProperty("/clicks").GetProperty("post");
        Assert.True(click.TryGetProperty("requestBody", out _));
        foreach (var status in new[] { "202", "400", "401", "403", "415", "429", "503" })
        {
            Assert.True(click.GetProperty("responses").TryGetProperty(status, out _), status);
        }

        // A client generated from the document sends the key: the scheme, and every scoped operation requiring it.
        var apiKey = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal(("apiKey", "header", "X-Api-Key"), (apiKey.GetProperty("type").GetString(), apiKey.GetProperty("in").GetString(), apiKey.GetProperty("name").GetString()));
        Assert.Equal("StageClick", click.GetProperty("operationId").GetString());
        Assert.Contains("ingest scope", click.GetProperty("description").GetString());
        Assert.All(paths.EnumerateObject().SelectMany(path => path.Value.EnumerateObject()), operation =>
            Assert.Contains(operation.Value.GetProperty("security").EnumerateArray(), requirement => requirement.TryGetProperty("ApiKey", out _)));
        Assert.False(paths.TryGetProperty("/dashboard", out _), "the dashboard is a page, not an operation");
    }

    /// <summary>Each declared stream has a typed schema of its events and ingest paths of its own that take it.</summary>
    [Fact]
    public async Task OpenApiDocument_TypesEachDeclaredStreamsEvents()
    {
        await using var api = Api(new TestData());
        using var http = api.CreateClient();

        var document = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var orders = document.GetProperty("components").GetProperty("schemas").GetProperty("orders_event");
        var fields = orders.GetProperty("properties");
        Assert.Equal(["customer", "total"], orders.GetProperty("required").EnumerateArray().Select(name => name.GetString()).Order());
        Assert.False(orders.GetProperty("additionalProperties").GetBoolean(), "orders rejects the properties it does not name");
        Assert.Equal(("number", "double", 0), (fields.GetProperty("total").GetProperty("type").GetString(), fields.GetProperty("total").GetProperty("format").GetString(), fields.GetProperty("total").GetProperty("minimum").GetInt32()));
        Assert.Equal(("integer", "int64"), (fields.GetProperty("quantity").GetProperty("type").GetString(), fields.GetProperty("quantity").GetProperty("format").GetString()));
        Assert.Equal(("string", 64), (fields.GetProperty("customer").GetProperty("type").GetString(), fields.GetProperty("customer").GetProperty("maxLength").GetInt32()));
        Assert.Equal(("date-time", "uuid", "decimal"), (fields.GetProperty("placed_at").GetProperty("format").GetString(), fields.GetProperty("voucher").GetProperty("format").GetString(), fields.GetProperty("wrapping_fee").GetProperty("format").GetString()));
        Assert.False(document.GetProperty("components").GetProperty("schemas").GetProperty("page_views_event").TryGetProperty("additionalProperties", out _), "page_views keeps them: any property is allowed");
        var batch = document.GetProperty("paths").GetProperty("/streams/orders/events/batch").GetProperty("post");
        Assert.Equal("StageOrdersEventBatch", batch.GetProperty("operationId").GetString());
        Assert.Equal("#/components/schemas/orders_event", batch.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("items").GetProperty("$ref").GetString());
        Assert.True(batch.GetProperty("responses").TryGetProperty("400", out _));
        Assert.Equal("StagePageViewsEvent", document.GetProperty("paths").GetProperty("/streams/page_views/events").GetProperty("post").GetProperty("operationId").GetString());
    }

    /// <summary>The document types bodies as the Api reads and writes them: numbers as numbers only, no internal members.</summary>
    [Fact]
    public async Task OpenApiDocument_TypesEveryBodyAsTheApiReadsAndWritesIt()
    {
        await using var api = Api(new TestData());
        using var http = api.CreateClient();

        var schemas = (await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json")).GetProperty("components").GetProperty("schemas");

        var numbersAlsoStrings = schemas.EnumerateObject()
            .SelectMany(schema => schema.Value.TryGetProperty("properties", out var properties) ? properties.EnumerateObject().Select(p => (Schema: schema.Name, Property: p)) : [])
            .Where(entry => entry.Property.Value.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.Array
                && type.EnumerateArray().Select(t => t.GetString()).Intersect(["integer", "number"]).Any()
                && type.EnumerateArray().Any(t => t.GetString() == "string"))
            .Select(entry => $"{entry.Schema}.{entry.Property.Name}")
            .ToArray();
        Assert.Empty(numbersAlsoStrings);
        Assert.Equal(["element", "elementBase64", "position", "reason", "source"],
            schemas.GetProperty("DeadLetter").GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.False(schemas.TryGetProperty("RedisValue", out _), "a Redis client type is not part of the Api");
    }

    private static RedisValue[] Elements(TestData data, int count, DateTimeOffset ts) =>
        Enumerable.Range(0, count)
            .Select(i => (RedisValue)$$"""{"id":"{{data.Uid}}-{{ts.ToUnixTimeMilliseconds()}}-{{i}}","uid":{{data.Uid}},"pid":{{data.Pid(i)}},"ts":{{ts.ToUnixTimeMilliseconds()}}}""")
            .ToArray();

    private static double CounterValue(string metrics, string name) =>
        metrics.Split('\n')
            .Where(line => line.StartsWith(name, StringComparison.Ordinal) && !line.StartsWith('#'))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    private ApiFactory Api(TestData data, params (string Key, string Value)[] overrides) => cluster.Api(data.StagingKey, overrides);
}
