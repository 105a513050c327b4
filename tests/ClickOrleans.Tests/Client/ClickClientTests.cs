using ClickOrleans.Client;
using ClickOrleans.Tests.Infrastructure;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace ClickOrleans.Tests.Client;

/// <summary>
/// The typed .NET client against the real Api: batching by count and time, retries through a Redis outage, queries,
/// and no loss in silence — invalid clicks, a revoked key, a deterministic 500 and its own clock minutes off.
/// </summary>
// The client speaks HTTP to the Api: which Redis stages behind it does not change what it does, so one run is enough.
[Trait("Category", "AnyRedis")]
[Collection(SqliteClusterCollection.Name)]
public sealed class ClickClientTests(SqliteClusterFixture cluster)
{
    [Fact]
    public async Task TrackedClicks_GoInBatches_AndDisposingSendsTheRest_EachOnce()
    {
        var data = new TestData();
        await using var api = cluster.Api(data.StagingKey);
        var ids = new List<string>();
        await using (var provider = Client(api, options => options.BatchSize = 100))
        {
            var client = provider.GetRequiredService<ClickClient>();
            for (var i = 0; i < 250; i++)
            {
                ids.Add(await client.TrackAsync(data.Uid, data.Pid(i)));
            }
        }

        Assert.Equal(250, await cluster.StagedCountAsync(data.StagingKey));
        await cluster.DrainStreamAsync(data.StagingKey);
        Assert.Equal(ids.Order(), (await cluster.Probe.ClickIdsAsync(data.Uid)).Order());
    }

    [Fact]
    public async Task AFewClicks_GoWhenTheFlushIntervalIsUp_WithoutAFullBatch()
    {
        var data = new TestData();
        await using var api = cluster.Api(data.StagingKey);
        await using var provider = Client(api, options => options.FlushInterval = TimeSpan.FromMilliseconds(200));
        var client = provider.GetRequiredService<ClickClient>();

        for (var i = 0; i < 3; i++)
        {
            await client.TrackAsync(data.Uid, data.Pid(i));
        }

        Assert.Equal(3, await Poll.UntilAsync(() => cluster.StagedCountAsync(data.StagingKey), count => count == 3, TimeSpan.FromSeconds(10)));
    }

    [SkippableFact]
    public async Task RedisCutWhileClicksAreTracked_NoClickIsLost_NoneIsDoubled()
    {
        Skip.If(TestServers.RedisIsCluster, TestServers.NeedsOneRedisNode);
        var data = new TestData();
        await using var proxy = new TcpProxy(TestServers.Redis);
        await using var api = cluster.Api(data.StagingKey, ("ConnectionStrings:Redis", proxy.Endpoint));
        using var http = api.CreateClient();
        var ids = new List<string>();
        long retried;
        await using (var provider = Client(api, options => (options.BatchSize, options.FlushInterval) = (50, TimeSpan.FromMilliseconds(20))))
        {
            using var retries = new MetricCollector<long>(provider.GetRequiredService<IMeterFactory>(), ClickClientTelemetry.Name, "clickorleans.client.retried");
            var client = provider.GetRequiredService<ClickClient>();
            for (var i = 0; i < 200; i++)
            {
                ids.Add(await client.TrackAsync(data.Uid, data.Pid(i)));
            }

            await client.FlushAsync();
            proxy.Cut();
            for (var i = 200; i < 400; i++)
            {
                ids.Add(await client.TrackAsync(data.Uid, data.Pid(i)));
            }

            // The batches tracked meanwhile meet a 503 and are retried: Redis is back once the Api has seen it gone.
            await Poll.UntilAsync(() => http.GetAsync("/health"), response => !response.IsSuccessStatusCode, TimeSpan.FromSeconds(30));
            proxy.Restore();
            await client.FlushAsync();
            retried = retries.GetMeasurementSnapshot().Sum(measurement => measurement.Value);
        }

        await cluster.DrainStreamAsync(data.StagingKey);
        Assert.Equal(ids.Order(), (await cluster.Probe.ClickIdsAsync(data.Uid)).Order());
        Assert.True(retried > 0, "the batches that met the 503s were counted as retried");
    }

    /// <summary>
    /// Read-your-writes: the wait returns only once the sink has what was tracked. Drains run beside it and the sink is
    /// read the moment the wait returns, so a wait that returned early would find clicks missing.
    /// </summary>
    [Fact]
    public async Task WaitForCommit_ReturnsOnlyOnceTheSinkHasWhatWasTracked()
    {
        var data = new TestData();
        await using var api = cluster.Api(data.StagingKey);
        await using var provider = Client(api, _ => { });
        var client = provider.GetRequiredService<ClickClient>();
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add(await client.TrackAsync(data.Uid, data.Pid(i)));
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var waiting = client.WaitForCommitAsync(cancellationToken: deadline.Token);
        var drains = Task.Run(async () =>
        {
            while (!waiting.IsCompleted)
            {
                await cluster.DrainStreamAsync(data.StagingKey);
            }
        });
        await waiting;
        var stored = await cluster.Probe.ClickIdsAsync(data.Uid);
        await drains;

        Assert.Equal(ids.Order(), stored.Order());
    }

    [Fact]
    public async Task TypedQueries_ReturnWhatWasTracked()
    {
        var data = new TestData();
        await using var api = cluster.Api(data.StagingKey);
        await using var provider = Client(api, _ => { });
        var client = provider.GetRequiredService<ClickClient>();
        var at = DateTimeOffset.UtcNow.AddMinutes(-1);
        var first = await client.TrackAsync(data.Uid, data.PidFrom, at);
        var second = await client.TrackAsync(data.Uid, data.PidFrom, at.AddSeconds(1));
        await client.FlushAsync();
        await cluster.DrainStreamAsync(data.StagingKey);

        var userClicks = await client.GetUserClicksAsync(data.Uid);
        var product = await client.GetProductClicksAsync(data.PidFrom);
        var top = await client.GetTopProductsAsync(limit: 1000);

        Assert.Equal([second, first], userClicks.Select(click => click.Id));
        Assert.Equal(2, product?.Total);
        Assert.Contains(top, entry => entry.Pid == data.PidFrom && entry.Clicks == 2);
    }

    [Fact]
    public async Task InvalidClicksInABatch_AreDropped_TheOthersAccepted_AndFlushSaysHowManyAndWhy()
    {
        var data = new TestData();
        await using var api = cluster.Api(data.StagingKey);
        await using var provider = Client(api, _ => { });
        var client = provider.GetRequiredService<ClickClient>();
        var valid = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var at = i is 3 or 7 ? DateTimeOffset.UtcNow.AddDays(-30) : (DateTimeOffset?)null;
            var id = await client.TrackAsync(data.Uid, data.Pid(i), at);
            if (at is null)
            {
                valid.Add(id);
            }
        }

        var refused = await Assert.ThrowsAsync<ClicksNotAcceptedException>(() => client.FlushAsync());

        Assert.Equal(2, refused.Dropped);
        Assert.Contains("ts", Assert.Single(refused.Reasons));
        await client.FlushAsync(); // reported once: the next flush has nothing dropped
        await cluster.DrainStreamAsync(data.StagingKey);
        Assert.Equal(valid.Order(), (await cluster.Probe.ClickIdsAsync(data.Uid)).Order());
    }

    [Fact]
    public async Task EventsOfDeclaredStreams_GoInBatchesPerStreamBesideClicks_EachOnce_AndTheInvalidOnesAreReported()
    {
        var data = new TestData();
        var customer = "client-" + Guid.NewGuid().ToString("N")[..12];
        var path = "/client/" + Guid.NewGuid().ToString("N");
        await using var api = cluster.Api(data.StagingKey);
        using var http = api.CreateClient();
        await using var provider = Client(api, options => options.BatchSize = 7);
        var client = provider.GetRequiredService<ClickClient>();
        var (clicks, orders) = (new List<string>(), new List<string>());
        for (var i = 0; i < 20; i++)
        {
            clicks.Add(await client.TrackAsync(data.Uid, data.Pid(i)));
            orders.Add(await client.TrackAsync("orders", new Order(customer, i + 0.5, i + 1, DateTimeOffset.UtcNow.AddMinutes(-1))));
            await client.TrackAsync("page_views", new JsonObject { ["path"] = path, ["referrer"] = "ads" });
        }

        orders.Add(await client.TrackAsync("orders", new { id = $"own-{customer}", customer, total = 1.0 }));
        await client.TrackAsync("orders", new { customer, total = -1.0 }); // below the field's Min
        await client.TrackAsync("refunds", new { amount = 1 }); // no such stream: 404

        var refused = await Assert.ThrowsAsync<ClicksNotAcceptedException>(() => client.FlushAsync());
        foreach (var drain in new[] { "/admin/drain", "/admin/streams/orders/drain", "/admin/streams/page_views/drain" })
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, (await http.PostAsync(drain, null)).StatusCode);
        }

        Assert.Equal(2, refused.Dropped);
        Assert.Contains(refused.Reasons, reason => reason.Contains("total", StringComparison.Ordinal));
        Assert.Contains(refused.Reasons, reason => reason.Contains("404", StringComparison.Ordinal));
        Assert.Equal(clicks.Order(), (await cluster.Probe.ClickIdsAsync(data.Uid)).Order());
        var stored = await cluster.Probe.RowsAsync("orders", "customer", customer, "coalesce(client_id, lower(hex(event_id))), placed_at, quantity");
        Assert.Equal(orders.Order(), stored.Select(row => (string)row[0]!).Order());
        Assert.Equal(20, stored.Count(row => row[1] is not null && row[2] is not null));
        var views = await cluster.Probe.RowsAsync("page_views", "path", path, "extra");
        Assert.Equal(20, views.Count(row => row[0] is string extra && extra.Contains("\"referrer\":\"ads\"", StringComparison.Ordinal)));
    }

    /// <summary>An event of the fixtures' orders stream, as a caller declares it: its properties become customer, total, quantity, placed_at.</summary>
    private sealed record Order(string Customer, double Total, long Quantity, DateTimeOffset PlacedAt);

    [Fact]
    public async Task RevokedKey_StopsTheClient_AndSurfacesToTheCaller()
    {
        var data = new TestData();
        await using var api = cluster.Api(data.StagingKey, ("Api:AllowAnonymous", "false"), ("Api:Keys:0:Name", "shop"),
            ("Api:Keys:0:Key", "the-current-key-5d1e"), ("Api:Keys:0:Scopes:0", "ingest"));
        await using var provider = Client(api, options => options.ApiKey = "a-revoked-key-77c2");
        var client = provider.GetRequiredService<ClickClient>();
        await client.TrackAsync(data.Uid, data.Pid(0));

        var refused = await Assert.ThrowsAsync<ClicksNotAcceptedException>(() => client.FlushAsync());

        Assert.Equal(1, refused.Dropped);
        Assert.Contains("401", refused.Reasons[0]);
        await Assert.ThrowsAsync<ClickClientStoppedException>(() => client.TrackAsync(data.Uid, data.Pid(1)).AsTask());
        Assert.Equal(0, await cluster.StagedCountAsync(data.StagingKey));
    }

    [Fact]
    public async Task ADeterministic500_IsRetriedAFewTimes_ThenDroppedAndReported_NotRetriedForever()
    {
        var data = new TestData();
        // A staging key that holds a string: every LPUSH to it fails with WRONGTYPE, an error no retry mends (500).
        foreach (var shard in cluster.Shards(data.StagingKey))
        {
            await cluster.Redis.StringSetAsync(shard.Staging, "not a list");
        }

        await using var api = cluster.Api(data.StagingKey);
        await using var provider = Client(api, _ => { });
        var client = provider.GetRequiredService<ClickClient>();
        using var dropped = new MetricCollector<long>(provider.GetRequiredService<IMeterFactory>(), ClickClientTelemetry.Name, "clickorleans.client.dropped");
        await client.TrackAsync(data.Uid, data.Pid(0));

        var refused = await Assert.ThrowsAsync<ClicksNotAcceptedException>(() => client.FlushAsync().WaitAsync(TimeSpan.FromMinutes(2)));

        Assert.Equal(1, refused.Dropped);
        Assert.StartsWith("500", refused.Reasons[0]);
        Assert.Equal("failed", Assert.Single(dropped.GetMeasurementSnapshot()).Tags["reason"]);
    }

    [Fact]
    public async Task BatchesFailingForGood_OpenTheCircuit_LaterBatchesAreDroppedUnsent_AndAfterTheBreakAProbeClosesIt()
    {
        var data = new TestData();
        var shards = cluster.Shards(data.StagingKey).ToArray();
        foreach (var shard in shards)
        {
            await cluster.Redis.StringSetAsync(shard.Staging, "not a list"); // every LPUSH fails with WRONGTYPE: 500
        }

        await using var api = cluster.Api(data.StagingKey);
        await using var provider = Client(api, options =>
        {
            options.BatchSize = 1;
            options.CircuitBreakDuration = TimeSpan.FromSeconds(10);
        });
        var client = provider.GetRequiredService<ClickClient>();
        var meters = provider.GetRequiredService<IMeterFactory>();
        using var dropped = new MetricCollector<long>(meters, ClickClientTelemetry.Name, "clickorleans.client.dropped");
        using var retried = new MetricCollector<long>(meters, ClickClientTelemetry.Name, "clickorleans.client.retried");
        using var opened = new MetricCollector<long>(meters, ClickClientTelemetry.Name, "clickorleans.client.circuit.opened");

        for (var i = 0; i < 3; i++)
        {
            await client.TrackAsync(data.Uid, data.Pid(i));
        }

        var failed = await Assert.ThrowsAsync<ClicksNotAcceptedException>(() => client.FlushAsync().WaitAsync(TimeSpan.FromMinutes(2)));
        var retriesWhileClosed = retried.GetMeasurementSnapshot().Count;
        for (var i = 3; i < 6; i++)
        {
            await client.TrackAsync(data.Uid, data.Pid(i));
        }

        var unsent = await Assert.ThrowsAsync<ClicksNotAcceptedException>(() => client.FlushAsync().WaitAsync(TimeSpan.FromMinutes(2)));

        Assert.Equal(3, failed.Dropped);
        Assert.Equal(3 * (ClickClientServiceCollectionExtensions.ServerErrorAttempts - 1), retriesWhileClosed);
        Assert.Equal(3, unsent.Dropped);
        Assert.Contains("the circuit is open", Assert.Single(unsent.Reasons));
        Assert.Equal(retriesWhileClosed, retried.GetMeasurementSnapshot().Count); // nothing was sent while it was open
        Assert.Equal(1, opened.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(3, dropped.GetMeasurementSnapshot().Where(m => (string?)m.Tags["reason"] == "circuit").Sum(m => m.Value));

        // The Api mended: once the break is over, a batch probes, passes and closes the circuit.
        foreach (var shard in shards)
        {
            await cluster.Redis.KeyDeleteAsync(shard.Staging);
        }

        var accepted = new List<string>();
        var passed = await Poll.UntilAsync(async () =>
        {
            var id = await client.TrackAsync(data.Uid, data.Pid(100 + accepted.Count));
            try
            {
                await client.FlushAsync();
                accepted.Add(id);
                return true;
            }
            catch (ClicksNotAcceptedException)
            {
                return false;
            }
        }, done => done, TimeSpan.FromSeconds(60));
        Assert.True(passed, "no batch passed after the break");
        await client.TrackAsync(data.Uid, data.Pid(200));
        await client.FlushAsync();
        Assert.Equal(2, await cluster.StagedCountAsync(data.StagingKey));
    }

    /// <summary>A client whose clock is ten minutes fast, against a real Api host (Kestrel sends the Date header).</summary>
    [Fact]
    public async Task ClientClockTenMinutesFast_LosesNoClick_AndStampsThemByTheApisClock()
    {
        var data = new TestData();
        var directory = Directory.CreateTempSubdirectory("clickorleans-client-").FullName;
        var ports = EmbeddedPorts.Free();
        await using var api = HostProcess.StartEmbeddedApi(ports, directory);
        await api.WaitUntilRunningAsync();
        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(new SkewedClock(TimeSpan.FromMinutes(10)));
        services.AddClickOrleansClient(options => options.BaseAddress = api.Http.BaseAddress);
        var ids = new List<string>();
        await using (var provider = services.BuildServiceProvider())
        {
            var client = provider.GetRequiredService<ClickClient>();
            for (var i = 0; i < 20; i++)
            {
                ids.Add(await client.TrackAsync(data.Uid, data.Pid(i)));
            }

            await client.FlushAsync();
            for (var i = 20; i < 30; i++)
            {
                ids.Add(await client.TrackAsync(data.Uid, data.Pid(i)));
            }

            await client.FlushAsync();
            var flushed = DateTimeOffset.UtcNow;
            Assert.Equal(System.Net.HttpStatusCode.OK, (await api.Http.PostAsync("/admin/drain", null)).StatusCode);
            var stored = await client.GetUserClicksAsync(data.Uid, limit: 1000);

            Assert.Equal(ids.Order(), stored.Select(click => click.Id).Order());
            // Stamped by the Api's clock (this machine's), from its Date header: never ahead of it, at most a second behind.
            Assert.All(stored, click => Assert.InRange(click.Ts, DateTimeOffset.UtcNow.AddMinutes(-2), flushed));
        }

        await api.InterruptAsync();
        Directory.Delete(directory, recursive: true);
    }

    private sealed class SkewedClock(TimeSpan skew) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + skew;
    }

    private static ServiceProvider Client(ApiFactory api, Action<ClickClientOptions> configure)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddClickOrleansClient(options =>
            {
                options.BaseAddress = api.Server.BaseAddress;
                configure(options);
            })
            .ConfigurePrimaryHttpMessageHandler(() => api.Server.CreateHandler());
        return services.BuildServiceProvider();
    }
}
