using ClickOrleans.Tests.Infrastructure;

namespace ClickOrleans.Tests.Sinks;

/// <summary>
/// A sink partition given the same events again, as after a crash between the sink's commit and Redis':
/// it keeps each event once and counts it in the rollups once. Run once per sink.
/// </summary>
public abstract class SinkTests(ClusterFixture cluster)
{
    [SkippableFact]
    public async Task SameBatchTwice_IsWrittenOnce()
    {
        cluster.Require();
        var data = new TestData();
        var batch = Clicks(data, 0, 100);

        var first = await Sink().Write(new ClickBatch(batch));
        var second = await Sink().Write(new ClickBatch(batch));

        Assert.Equal(new SinkResult(100, 0), first);
        Assert.Equal(new SinkResult(0, 100), second);
        Assert.Equal(100, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
        Assert.Equal(100, await cluster.Probe.MinuteClicksAsync(data.PidFrom, data.PidTo));
    }

    [SkippableFact]
    public async Task OverlappingBatch_AddsOnlyTheNewEvents()
    {
        cluster.Require();
        var data = new TestData();
        await Sink().Write(new ClickBatch(Clicks(data, 0, 60)));

        var overlapping = await Sink().Write(new ClickBatch(Clicks(data, 40, 100)));

        Assert.Equal(new SinkResult(40, 20), overlapping);
        Assert.Equal(100, (await cluster.Probe.ClickIdsAsync(data.Uid)).Distinct().Count());
        Assert.Equal(100, await cluster.Probe.MinuteClicksAsync(data.PidFrom, data.PidTo));
    }

    [SkippableFact]
    public async Task EventRepeatedWithinABatch_IsWrittenOnce()
    {
        cluster.Require();
        var data = new TestData();
        var clicks = Clicks(data, 0, 10);

        var result = await Sink().Write(new ClickBatch([.. clicks, clicks[3], clicks[7]]));

        Assert.Equal(new SinkResult(10, 2), result);
        Assert.Equal(10, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
        Assert.Equal(10, await cluster.Probe.MinuteClicksAsync(data.PidFrom, data.PidTo));
    }

    private static readonly long ClickedAt = DateTimeOffset.Parse("2026-11-27T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private ISinkGrain Sink() => cluster.Grains.GetGrain<ISinkGrain>(0);

    private static Click[] Clicks(TestData data, int from, int to)
    {
        return [.. Enumerable.Range(from, to - from).Select(i => new Click($"{data.StagingKey}:{i}", data.Uid, data.Pid(i), ClickedAt + i))];
    }
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteSinkTests(SqliteClusterFixture cluster) : SinkTests(cluster);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresSinkTests(PostgresClusterFixture cluster) : SinkTests(cluster);
