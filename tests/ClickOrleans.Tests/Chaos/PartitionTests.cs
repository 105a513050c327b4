using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClickOrleans.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClickOrleans.Tests.Chaos;

/// <summary>
/// Network partitions, made with iptables rules on the test's own ports: a silo cut off from the other silos while it
/// still reaches Redis and PostgreSQL, and the Api cut off from every silo.
/// </summary>
[Trait("Category", "Partition")]
public sealed class PartitionTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task SiloCutOffFromTheOtherSilos_ButNotFromRedisOrPostgres_LosesAndDuplicatesNothing()
    {
        Firewall.Require();
        const int victim = 2;
        await using var cluster = await ChaosCluster.StartAsync(silos: 3, shards: 3, isolated: new ChaosCluster.Isolated(Silo: victim));
        await using var traffic = new Traffic(cluster.Api);
        await using var firewall = new Firewall();
        await Poll.UntilAsync(() => Task.FromResult(traffic.Accepted.Count), count => count >= 2000, TimeSpan.FromSeconds(30));

        var victimShards = cluster.ShardKeys.Where(shard => cluster.AggregatorHost(shard) == victim).ToArray();
        var outputBefore = Enumerable.Range(0, cluster.SiloCount).Select(i => cluster.SiloOutput(i).Length).ToArray();
        var cutAt = DateTimeOffset.UtcNow;
        var others = Enumerable.Range(0, cluster.SiloCount).Where(i => i != victim).Select(cluster.SiloPort).ToArray();
        await firewall.DropFromIsolatedUserAsync(others);
        await firewall.DropToAsync([cluster.SiloPort(victim)]);
        // The partition lasts until the cluster reacted (another silo took the victim's shard over, or the victim
        // stopped: declared dead by the others) and at least 2,000 more clicks were accepted meanwhile, or 90 s. How
        // fast Orleans reacts is its own business (a loaded silo extends its probe timeouts): the test reports it; what
        // it asserts is ours: ingest went on through the partition, and exactly once.
        var acceptedAtCut = traffic.Accepted.Count;
        TimeSpan? reactedAfter = null;
        bool Reacted()
        {
            reactedAfter ??= !cluster.IsRunning(victim) || victimShards.Any(shard => Enumerable.Range(0, cluster.SiloCount)
                .Any(i => i != victim && cluster.SiloOutput(i)[outputBefore[i]..].Contains($"Draining {shard} (", StringComparison.Ordinal)))
                ? DateTimeOffset.UtcNow - cutAt
                : null;
            return reactedAfter is not null;
        }

        await Poll.UntilAsync(() => Task.FromResult(Reacted() && traffic.Accepted.Count > acceptedAtCut + 2000), done => done, TimeSpan.FromSeconds(90));
        var partition = DateTimeOffset.UtcNow - cutAt;
        var acceptedDuringPartition = traffic.Accepted.Count - acceptedAtCut;
        await firewall.HealAsync();

        for (var i = 0; i < cluster.SiloCount; i++)
        {
            if (!cluster.IsRunning(i))
            {
                output.WriteLine($"silo {i} had stopped (declared dead); restarted");
                cluster.StartSilo(i);
            }
        }

        for (var i = 0; i < cluster.SiloCount; i++)
        {
            await cluster.WaitHealthyAsync(i);
        }

        await traffic.StopAsync();
        await cluster.DrainEverythingAsync();
        var (ids, rollupTotal) = await cluster.SinkAsync();

        // What the partition did to the aggregators: which silos drained each shard while it lasted, and what the
        // offset checks refused.
        // A silo restarted since the cut prints from the start again.
        string Since(int silo) => cluster.SiloOutput(silo) is var all && all.Length >= outputBefore[silo] ? all[outputBefore[silo]..] : all;
        foreach (var shard in cluster.ShardKeys)
        {
            var drainers = Enumerable.Range(0, cluster.SiloCount)
                .Where(i => Since(i).Contains($"Draining {shard} (", StringComparison.Ordinal))
                .ToArray();
            output.WriteLine($"{shard} drained by silo(s) {string.Join(", ", drainers)} since the cut" + (drainers.Length > 1 ? ": activations overlapped or moved" : ""));
        }

        var refused = Enumerable.Range(0, cluster.SiloCount)
            .Sum(i => Since(i).Split("another drain is working on it").Length - 1);
        output.WriteLine($"victim hosted {string.Join(", ", victimShards)}; partition of {partition.TotalSeconds:F0} s; the cluster " +
            (reactedAfter is { } after ? $"took over after {after.TotalSeconds:F0} s" : "did not react") +
            $"; accepted during the partition: {acceptedDuringPartition}; stale drains refused by the offset checks: {refused}; " +
            $"accepted={traffic.Accepted.Count} 503={traffic.Unavailable} other={traffic.Rejected} unanswered={traffic.Unanswered.Count} in sink={ids.Count}");
        Assert.True(acceptedDuringPartition > 0, "the Api accepted no click while a silo was cut off from the others");
        ChaosTests.AssertExactlyOnce(traffic, ids, rollupTotal);
    }

    [SkippableFact]
    public async Task ApiCutOffFromEverySilo_KeepsAcceptingClicks_AndDrainIsA503ProblemUntilItHeals()
    {
        Firewall.Require();
        await using var cluster = await ChaosCluster.StartAsync(silos: 2, isolated: new ChaosCluster.Isolated(Api: true));
        await using var firewall = new Firewall();
        Assert.Equal(HttpStatusCode.OK, (await cluster.Api.PostAsync("/admin/drain", null)).StatusCode);

        await firewall.RejectFromIsolatedUserAsync(cluster.GatewayPorts);
        var accepted = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var response = await cluster.Api.PostAsJsonAsync("/clicks", new { uid = 7, pid = i, id = $"cut-off-{i}" });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            accepted.Add($"cut-off-{i}");
        }

        var drain = await cluster.Api.PostAsync("/admin/drain", null);
        var problem = await drain.Content.ReadFromJsonAsync<JsonElement>();
        output.WriteLine($"/admin/drain while cut off: {(int)drain.StatusCode} {problem}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, drain.StatusCode);
        Assert.Equal("application/problem+json", drain.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(drain.Headers.RetryAfter);

        await firewall.HealAsync();
        await cluster.DrainEverythingAsync();
        var (ids, _) = await cluster.SinkAsync();
        Assert.All(accepted, id => Assert.Single(ids, id));
    }
}
