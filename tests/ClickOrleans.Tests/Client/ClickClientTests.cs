using ClickOrleans.Client;
using ClickOrleans.Tests.Infrastructure;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace ClickOrleans.Tests.Client;

/// <summary>The typed .NET client against the real Api: batching by count and time, retries through a Redis outage, queries.</summary>
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
