using CsCheck;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClickOrleans.Tests.Infrastructure;

namespace ClickOrleans.Tests.Queries;

/// <summary>The query API answers the same from every sink; each test works in its own minute of the past.</summary>
[Trait("Category", "AnyRedis")]
public abstract class QueryApiTests(ClusterFixture cluster)
{
    [SkippableFact]
    public async Task ProductClicks_GivesTheTotalAndThePerMinuteSeries()
    {
        cluster.Require();
        var (data, at) = Scenario();
        await using var api = Api(data);
        using var http = api.CreateClient();
        await StageAndDrainAsync(http, data,
            (0, at.AddSeconds(10)), (0, at.AddSeconds(50)), (0, at.AddSeconds(65)), (1, at.AddSeconds(70)));

        var clicks = await http.GetFromJsonAsync<JsonElement>(
            $"/products/{data.Pid(0)}/clicks?from={Iso(at)}&to={Iso(at.AddMinutes(5))}");

        Assert.Equal(3, clicks.GetProperty("total").GetInt64());
        var minutes = clicks.GetProperty("minutes").EnumerateArray()
            .Select(m => (m.GetProperty("minute").GetDateTimeOffset(), m.GetProperty("clicks").GetInt64()))
            .ToArray();
        Assert.Equal([(at, 2L), (at.AddMinutes(1), 1L)], minutes);
    }

    [SkippableFact]
    public async Task TopProducts_RanksByClicksInTheWindow()
    {
        cluster.Require();
        var (data, at) = Scenario();
        await using var api = Api(data);
        using var http = api.CreateClient();
        await StageAndDrainAsync(http, data,
            (0, at), (1, at), (1, at.AddMinutes(1)), (2, at), (2, at), (2, at.AddMinutes(2)), (3, at.AddMinutes(10)));

        var top = await http.GetFromJsonAsync<JsonElement>($"/products/top?since={Iso(at)}&until={Iso(at.AddMinutes(5))}&limit=2");

        var ranking = top.EnumerateArray().Select(p => (p.GetProperty("pid").GetInt64(), p.GetProperty("clicks").GetInt64())).ToArray();
        Assert.Equal([(data.Pid(2), 3L), (data.Pid(1), 2L)], ranking);
    }

    [SkippableFact]
    public async Task UserClicks_AreNewestFirst_AndPageWithTo()
    {
        cluster.Require();
        var (data, at) = Scenario();
        await using var api = Api(data);
        using var http = api.CreateClient();
        await StageAndDrainAsync(http, data, Enumerable.Range(0, 5).Select(i => (i, at.AddSeconds(i))).ToArray());

        var first = await http.GetFromJsonAsync<JsonElement>($"/users/{data.Uid}/clicks?from={Iso(at)}&to={Iso(at.AddMinutes(1))}&limit=3");
        var oldest = first.EnumerateArray().Last().GetProperty("ts").GetDateTimeOffset();
        var second = await http.GetFromJsonAsync<JsonElement>($"/users/{data.Uid}/clicks?from={Iso(at)}&to={Iso(oldest)}&limit=3");

        Assert.Equal([4, 3, 2, 1, 0], first.EnumerateArray().Concat(second.EnumerateArray())
            .Select(c => (int)(c.GetProperty("ts").GetDateTimeOffset() - at).TotalSeconds));
        Assert.All(first.EnumerateArray(), c => Assert.False(string.IsNullOrEmpty(c.GetProperty("id").GetString())));
    }

    /// <summary>
    /// What a user reconciles: the ledger entries of the clicks accepted and drained hold each of them once, and their
    /// checksums XOR to the checksum of the ids the client gave.
    /// </summary>
    [SkippableFact]
    public async Task Ledger_OfDrainedClicks_CountsEachOnce_AndItsChecksumIsTheirIds()
    {
        cluster.Require();
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        var (data, at) = Scenario();
        await using var api = Api(data);
        using var http = api.CreateClient();
        var ids = Enumerable.Range(0, 7).Select(_ => Guid.NewGuid()).ToArray();
        var batch = ids.Select((id, i) => new { id = id.ToString("N"), uid = data.Uid, pid = data.Pid(i), ts = at });
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/clicks/batch", batch)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/admin/drain", null)).StatusCode);

        var entries = new List<JsonElement>();
        var after = "0";
        while (after is not null)
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"/streams/clicks/ledger?from={Iso(since)}&after={after}&limit=50");
            entries.AddRange(page.GetProperty("entries").EnumerateArray());
            after = page.GetProperty("next") is { ValueKind: JsonValueKind.Number } next ? next.GetRawText() : null;
        }

        var mine = entries.Where(entry => entry.GetProperty("privateList").GetString()!.StartsWith(PrivateListPrefix(data), StringComparison.Ordinal)).ToArray();
        Assert.Equal(ids.Length, mine.Sum(entry => entry.GetProperty("events").GetInt32()));
        Assert.Equal(TestLedger.Checksum(ids), TestLedger.Xor(mine.Select(entry => entry.GetProperty("checksum").GetString()!)));
        Assert.All(mine, entry => Assert.Equal(cluster.Probe.Sink, entry.GetProperty("sink").GetString()));
    }

    [SkippableFact]
    public async Task Ledger_OfAStreamNotRun_Is404()
    {
        cluster.Require();
        await using var api = Api(new TestData());
        using var http = api.CreateClient();

        var response = await http.GetAsync("/streams/nosuchstream/ledger");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [SkippableTheory]
    [InlineData("/products/1/clicks?from=yesterday", "from")]
    [InlineData("/products/1/clicks?from=2026-11-27T10:00:00Z&to=2026-11-27T09:00:00Z", "from")]
    [InlineData("/products/1/clicks?from=2026-01-01T00:00:00Z&to=2026-11-27T00:00:00Z", "to")]
    [InlineData("/products/-1/clicks", "pid")]
    [InlineData("/products/top?since=PXYZ", "since")]
    [InlineData("/products/top?since=-PT1H", "since")]
    [InlineData("/products/top?limit=0", "limit")]
    [InlineData("/products/top?limit=1001", "limit")]
    [InlineData("/products/top?since=P36500D", "since")]
    [InlineData("/products/top?since=P3000000D", "since")]
    [InlineData("/products/top?since=2026-01-01T00:00:00Z&until=2026-11-27T00:00:00Z", "until")]
    [InlineData("/products/1/clicks?to=0001-01-01T00:00:00Z", "to")]
    [InlineData("/users/1/clicks?limit=5000", "limit")]
    [InlineData("/users/1/clicks?to=soon", "to")]
    [InlineData("/streams/clicks/ledger?limit=0", "limit")]
    [InlineData("/streams/clicks/ledger?limit=10001", "limit")]
    [InlineData("/streams/clicks/ledger?after=-1", "after")]
    [InlineData("/streams/clicks/ledger?sink=parquet", "sink")]
    [InlineData("/streams/clicks/ledger?sink=s3", "sink")]
    [InlineData("/streams/clicks/ledger?from=2026-01-01T00:00:00Z&to=2026-11-27T00:00:00Z", "to")]
    public async Task BadParameters_Are400NamingTheParameter(string url, string parameter)
    {
        cluster.Require();
        await using var api = Api(new TestData());
        using var http = api.CreateClient();

        var response = await http.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
    }

    /// <summary>
    /// Under a retention, a query of raw events that starts before what the store keeps is refused, naming the
    /// retention and the first time kept; without a from, it starts there; the rollups keep everything.
    /// </summary>
    [SkippableFact]
    public async Task ARawEventsQueryBeforeTheRetention_IsRefusedNamingIt_AndTheRollupsStillAnswer()
    {
        cluster.Require();
        var (data, at) = Scenario();
        await using var api = cluster.Api(data.StagingKey, ("Clicks:MaxClickAge", "36500.00:00:00"), ("Streams:clicks:Retention", "P7D"), ("Streams:page_views:Retention", "P3D"));
        using var http = api.CreateClient();
        await StageAndDrainAsync(http, data, (0, at));
        var now = DateTimeOffset.UtcNow;
        var clicksKept = $"{now.UtcDateTime.Date.AddDays(-7):yyyy-MM-dd}T00:00:00Z";

        var user = await http.GetAsync($"/users/{data.Uid}/clicks?from={Iso(at)}&to={Iso(at.AddMinutes(1))}");
        Assert.Equal(HttpStatusCode.BadRequest, user.StatusCode);
        var problem = await user.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(
            $"lies before what the store keeps of stream clicks: it keeps P7D (Streams:clicks:Retention), so its events before {clicksKept} are dropped; its rollups keep them",
            problem.GetProperty("errors").GetProperty("from")[0].GetString());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/users/{data.Uid}/clicks")).StatusCode);

        var views = await http.GetAsync($"/streams/page_views/events?from={Iso(now.AddDays(-5))}&to={Iso(now.AddDays(-4))}");
        Assert.Equal(HttpStatusCode.BadRequest, views.StatusCode);
        Assert.Contains("it keeps P3D (Streams:page_views:Retention)", await views.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/streams/page_views/events?from={Iso(now.AddDays(-2))}")).StatusCode);

        var rollup = await http.GetFromJsonAsync<JsonElement>($"/products/{data.Pid(0)}/clicks?from={Iso(at)}&to={Iso(at.AddMinutes(1))}");
        Assert.Equal(1, rollup.GetProperty("total").GetInt64());
    }

    /// <summary>
    /// Random values for every query parameter of every query endpoint (the clicks' and a declared stream's rollup, top,
    /// events and ledger), among them the extremes of each form: every answer is a 200 or a 400 problem details, never a 5xx.
    /// </summary>
    [SkippableFact]
    public async Task AnyQueryParameters_Are200Or400_NeverA5xx()
    {
        cluster.Require();
        await using var api = Api(new TestData());
        using var http = api.CreateClient();
        var value = Gen.OneOf(
            Gen.String[Gen.Char, 0, 30],
            Gen.String[Gen.Char["a\0 "], 0, 4], // short strings with U+0000, which no PostgreSQL text holds
            Gen.Long.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Gen.Long[0, 99_999_999].Select(days => $"P{days}D"),
            Gen.Long[0, 99_999_999].Select(seconds => $"PT{seconds}S"),
            Gen.DateTimeOffset.Select(time => time.ToString("O", System.Globalization.CultureInfo.InvariantCulture)),
            Gen.Int[0, Extremes.Length - 1].Select(i => Extremes[i]));
        var query = Gen.Select(Gen.Int[0, 6], value, value, value, Gen.Long[0, long.MaxValue]);

        await query.SampleAsync(async q =>
        {
            var (endpoint, a, b, c, id) = (q.Item1, q.Item2, q.Item3, q.Item4, q.Item5);
            var url = endpoint switch
            {
                0 => $"/products/{id}/clicks?from={Escape(a)}&to={Escape(b)}",
                1 => $"/products/top?since={Escape(a)}&until={Escape(b)}&limit={Escape(c)}",
                2 => $"/users/{id}/clicks?from={Escape(a)}&to={Escape(b)}&limit={Escape(c)}",
                // Half of them without a range, so that the dimension's value reaches the store.
                3 => $"/streams/orders/rollups/per_customer_hour?customer={Escape(c)}" + (id % 2 == 0 ? "" : $"&from={Escape(a)}&to={Escape(b)}"),
                4 => $"/streams/orders/rollups/per_customer_hour/top?by=customer&measure={(id % 2 == 0 ? "count" : "sum(total)")}&since={Escape(a)}&until={Escape(b)}&limit={Escape(c)}",
                5 => $"/streams/orders/events?customer={Escape(c)}" + (id % 2 == 0 ? "" : $"&from={Escape(a)}&to={Escape(b)}&limit={Escape(c)}"),
                _ => $"/streams/orders/ledger?from={Escape(a)}&to={Escape(b)}&after={Escape(c)}" + (id % 2 == 0 ? "" : $"&limit={Escape(a)}"),
            };
            var response = await http.GetAsync(url);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }, iter: 300, threads: 1);
    }

    private static readonly string[] Extremes =
    [
        "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1969-12-31T23:59:59Z", "P3000000D", "2026-11-27T10:00:00",
        "2026-11-27T10:00:00+14:00", "-PT1H", "PT0S", "0", "-1", "1001", "2147483648", "", " ", "a\0b",
    ];

    private static string Escape(string value) => Uri.EscapeDataString(value);

    // A random minute of the past: no other test has clicks there.
    private static (TestData Data, DateTimeOffset At) Scenario() =>
        (new TestData(), new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(Random.Shared.Next(0, 10_000_000)));

    private static string PrivateListPrefix(TestData data) => new ClickOrleans.Staging.StagingKeys(data.StagingKey).PrivateList(0).ToString()[..^1];

    private static string Iso(DateTimeOffset time) => Uri.EscapeDataString(time.ToString("O", System.Globalization.CultureInfo.InvariantCulture));

    private static async Task StageAndDrainAsync(HttpClient http, TestData data, params (int Product, DateTimeOffset Ts)[] clicks)
    {
        var batch = clicks.Select(c => new { uid = data.Uid, pid = data.Pid(c.Product), ts = c.Ts });
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/clicks/batch", batch)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/admin/drain", null)).StatusCode);
    }

    // The scenarios live in the past, older than the default Clicks:MaxClickAge.
    private ApiFactory Api(TestData data) => cluster.Api(data.StagingKey, ("Clicks:MaxClickAge", "36500.00:00:00"));
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteQueryApiTests(SqliteClusterFixture cluster) : QueryApiTests(cluster);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresQueryApiTests(PostgresClusterFixture cluster) : QueryApiTests(cluster);
