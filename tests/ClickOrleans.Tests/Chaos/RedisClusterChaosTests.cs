using System.Diagnostics;
using System.Net.Http.Json;
using ClickOrleans.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClickOrleans.Tests.Chaos;

/// <summary>
/// The promise on a Redis Cluster of the test's own (3 masters, 3 replicas), with the stream on several shards: silos
/// killed while they drain shards, a Redis master killed under ingest, a replica frozen, and a master cut off and failed
/// over after a take-over only it had.
/// </summary>
[Trait("Category", "RedisClusterChaos")]
public sealed class RedisClusterChaosTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task SiloHostingTwoOfFourShards_IsKilled_BothShardsMove_AndEveryClickIsDrainedOnce()
    {
        await using var cluster = await ChaosCluster.StartAsync(silos: 3, redisCluster: true, shards: 4);
        const int perShard = 40_000;
        for (var shard = 0; shard < cluster.ShardKeys.Count; shard++)
        {
            await ChaosTests.StageSeedAsync(cluster.Redis, cluster.ShardKeys[shard], perShard, firstUid: shard * perShard);
        }

        // Shard placement spreads the 4 shards over the 3 silos: one silo drains two of them. An aggregator first activated
        // elsewhere moves to its place between drains, so wait until the drains show that spread: two shards, one, one.
        var hosts = await Poll.UntilAsync(
            () => Task.FromResult(cluster.ShardKeys.Select(key => cluster.AggregatorHost(key)).ToArray()),
            found => found.All(host => host >= 0) && found.GroupBy(host => host).Select(group => group.Count()).Order().SequenceEqual([1, 1, 2]),
            TimeSpan.FromSeconds(90));
        output.WriteLine($"shard hosts: {string.Join(", ", hosts)}");
        var victim = Assert.Single(hosts.GroupBy(host => host), group => group.Count() == 2).Key;
        var moved = cluster.ShardKeys.Where((_, shard) => hosts[shard] == victim).ToArray();
        var outputBefore = Enumerable.Range(0, cluster.SiloCount).Select(i => cluster.SiloOutput(i).Length).ToArray();
        var clock = Stopwatch.StartNew();
        await cluster.KillSiloAsync(victim);
        // The victim may have drained its shards before it died: a second round staged now can only be drained elsewhere.
        const int afterKill = 1_000;
        for (var shard = 0; shard < cluster.ShardKeys.Count; shard++)
        {
            await ChaosTests.StageSeedAsync(cluster.Redis, cluster.ShardKeys[shard], afterKill, firstUid: (cluster.ShardKeys.Count * perShard) + (shard * afterKill));
        }

        await cluster.DrainEverythingAsync();
        var (ids, rollupTotal) = await cluster.SinkAsync();

        output.WriteLine($"shard hosts {string.Join(", ", hosts)}; killed silo {victim} hosting {string.Join(" and ", moved)}; all drained {clock.Elapsed.TotalSeconds:F1} s later");
        foreach (var shard in moved)
        {
            var newHosts = Enumerable.Range(0, cluster.SiloCount)
                .Where(i => i != victim && cluster.SiloOutput(i)[outputBefore[i]..].Contains($"Draining {shard} (", StringComparison.Ordinal))
                .ToArray();
            output.WriteLine($"{shard} moved to silo {string.Join(", ", newHosts)}");
            Assert.NotEmpty(newHosts);
        }

        Assert.Equal((perShard + afterKill) * cluster.ShardKeys.Count, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids.Count, rollupTotal);
    }

    [SkippableFact]
    public async Task MasterKilledUnderIngest_WithOneReplicaAcknowledging_LosesNoAcceptedClick()
    {
        await using var cluster = await ChaosCluster.StartAsync(silos: 2, redisCluster: true, shards: 3,
            apiSettings: new Dictionary<string, string?> { ["Clicks__Staging__Replicas"] = "1" });
        await using var traffic = new Traffic(cluster.Api);
        await Poll.UntilAsync(() => Task.FromResult(traffic.Accepted.Count), count => count >= 2000, TimeSpan.FromSeconds(30));

        var redis = cluster.RedisCluster!;
        var killed = await redis.MasterOfAsync(cluster.StagingKey);
        var acceptedAtKill = traffic.Accepted.Count;
        var clock = Stopwatch.StartNew();
        await redis.KillAsync(killed);
        var newMaster = await redis.WaitForNewMasterAsync(cluster.StagingKey, killed);
        var failover = clock.Elapsed;
        // The promoted replica has no replica of its own until the old master rejoins as one: until then WAIT 1 fails, 503.
        redis.Restart(killed);
        var resumed = await Poll.UntilAsync(() => Task.FromResult(traffic.Accepted.Count), count => count >= acceptedAtKill + 3000, TimeSpan.FromSeconds(90));
        await traffic.StopAsync();
        await cluster.DrainEverythingAsync();
        var (ids, rollupTotal) = await cluster.SinkAsync();

        output.WriteLine($"killed the master on {killed}; {newMaster} took over after {failover.TotalSeconds:F1} s; " +
            $"accepted={traffic.Accepted.Count} 503={traffic.Unavailable} other={traffic.Rejected} unanswered={traffic.Unanswered.Count} in sink={ids.Count}");
        Assert.True(resumed >= acceptedAtKill + 3000, "ingest did not resume after the failover");
        Assert.Equal(0, traffic.Rejected); // every refusal during the failover was a 503 the client can retry, never a 500
        ChaosTests.AssertExactlyOnce(traffic, ids, rollupTotal);
    }

    /// <summary>
    /// With Clicks:Staging:Replicas = 1 and the shard's only replica frozen: a click posted then is answered 503 (staged on
    /// the master only); its retry through a new Api (a connection that wrote nothing yet) waits for the replica too
    /// rather than passing an idle WAIT, and a drain writes nothing to the sink on a take-over the replica does not have.
    /// Once the replica is back, every click is drained once.
    /// </summary>
    [SkippableFact]
    public async Task ReplicaFrozen_WithOneReplicaAsked_NoRetryIsAcceptedAndNoDrainWrites_UntilItIsBack()
    {
        var replicas = new Dictionary<string, string?> { ["Clicks__Staging__Replicas"] = "1" };
        await using var cluster = await ChaosCluster.StartAsync(silos: 1, siloSettings: replicas, redisCluster: true, apiSettings: replicas);
        var redis = cluster.RedisCluster!;
        var replica = await redis.ReplicaOfAsync(await redis.MasterOfAsync(cluster.StagingKey));
        var click = new { uid = 7, pid = 7, id = $"replicated-{Guid.NewGuid():N}" };
        await ChaosTests.StageSeedAsync(cluster.Redis, cluster.StagingKey, 1_000);

        redis.Pause(replica);
        System.Net.HttpStatusCode posted, retried, drained;
        List<string> written;
        try
        {
            posted = (await cluster.Api.PostAsJsonAsync("/clicks", click)).StatusCode;
            await cluster.RestartApiAsync();
            retried = (await cluster.Api.PostAsJsonAsync("/clicks", click)).StatusCode;
            drained = (await cluster.Api.PostAsync("/admin/drain", null)).StatusCode;
            written = (await cluster.SinkAsync()).Ids;
        }
        finally
        {
            redis.Resume(replica);
        }

        await cluster.DrainEverythingAsync();
        var (ids, rollupTotal) = await cluster.SinkAsync();

        output.WriteLine($"with the replica frozen: post {posted}, retry {retried}, drain {drained}, {written.Count} rows; after: {ids.Count} rows");
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, posted);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, retried);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, drained);
        Assert.Empty(written);
        Assert.Equal(1_001, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids.Count, rollupTotal);
    }

    /// <summary>
    /// A take-over that only the master has (its one replica frozen), then that master cut off by the network (iptables
    /// drops its client and cluster-bus ports) and its replica promoted: the drain wrote nothing for the take-over the
    /// new master lacks, the new master's drain takes the list over again under a name of its own, and once the network
    /// heals and the old master rejoins as a replica, every click is in the sink once.
    /// </summary>
    [SkippableFact]
    public async Task MasterCutOff_AfterATakeOverItsReplicaLacks_IsFailedOver_AndEveryClickIsDrainedOnce()
    {
        Firewall.Require();
        var replicas = new Dictionary<string, string?> { ["Clicks__Staging__Replicas"] = "1" };
        // Drains only when asked: a reminder's drain between the staging and the freeze would write the clicks before the
        // drain under test (CI saw it once: 1,000 rows written before the frozen replica's 503).
        var silo = new Dictionary<string, string?>(replicas) { ["Clicks__DrainPeriod"] = "00:30:00" };
        await using var cluster = await ChaosCluster.StartAsync(silos: 1, siloSettings: silo, redisCluster: true, apiSettings: replicas);
        var redis = cluster.RedisCluster!;
        var master = await redis.MasterOfAsync(cluster.StagingKey);
        var replica = await redis.ReplicaOfAsync(master);
        await ChaosTests.StageSeedAsync(cluster.Redis, cluster.StagingKey, 1_000);
        await redis.WaitForReplicaAsync(master);

        await using var firewall = new Firewall();
        redis.Pause(replica);
        System.Net.HttpStatusCode drained;
        List<string> written;
        try
        {
            drained = (await cluster.Api.PostAsync("/admin/drain", null)).StatusCode;
            written = (await cluster.SinkAsync()).Ids;
            await firewall.DropToAsync([master, master + 10_000]);
        }
        finally
        {
            redis.Resume(replica);
        }

        var promoted = await redis.WaitForNewMasterAsync(cluster.StagingKey, master);
        await firewall.HealAsync();
        await cluster.DrainEverythingAsync();
        var (ids, rollupTotal) = await cluster.SinkAsync();

        output.WriteLine($"drain with the replica frozen: {drained}, {written.Count} rows; {promoted} took over from {master}; after: {ids.Count} rows");
        Assert.Empty(written);
        Assert.Equal(1_000, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids.Count, rollupTotal);
    }

    [SkippableFact]
    public async Task RandomSiloKills_OnARedisClusterWithThreeShards_LoseNothing_AndDuplicateNothing()
    {
        await using var cluster = await ChaosCluster.StartAsync(silos: 3, redisCluster: true, shards: 3);
        await ChaosTests.KillSilosAtRandomAsync(cluster, rounds: 3, output);
    }

    /// <summary>
    /// A declared stream with a rollup on 3 shards of the Redis Cluster: the silo draining one of them killed mid-drain,
    /// a second round staged after the kill: every event stored once and counted once by its rollup.
    /// </summary>
    [SkippableFact]
    public async Task SiloKilledMidDrainOfADeclaredStreamOnThreeShards_StoresEveryEventOnce_AndItsRollupCountsEachOnce()
    {
        var orders = new Dictionary<string, string?>
        {
            ["Streams__orders__Shards"] = "3",
            ["Streams__orders__Fields__customer__Type"] = "string",
            ["Streams__orders__Fields__customer__Required"] = "true",
            ["Streams__orders__Fields__total__Type"] = "int64",
            ["Streams__orders__Rollups__per_customer__Bucket"] = "PT1H",
            ["Streams__orders__Rollups__per_customer__By"] = "customer",
            ["Streams__orders__Rollups__per_customer__Sum"] = "total",
        };
        await using var cluster = await ChaosCluster.StartAsync(silos: 3, siloSettings: orders, redisCluster: true, apiSettings: orders);
        var shards = Enumerable.Range(0, 3).Select(shard => ClickOrleans.Staging.StagingStream.ShardKey("orders-staging", shard)).ToArray();
        const int perShard = 30_000, afterKill = 1_000;
        await StageOrdersAsync(cluster, shards, 0, perShard);

        // A shard whose private list is partly committed: its silo is killed in the middle of that drain.
        var draining = await Poll.UntilAsync(
            async () => (await Task.WhenAll(shards.Select(async shard => (Shard: shard,
                Committed: (await cluster.Redis.HashGetAllAsync(new ClickOrleans.Staging.StagingKeys(shard).PrivateLists)).Sum(entry => (long)entry.Value)))))
                .FirstOrDefault(shard => shard.Committed > 0),
            shard => shard.Shard is not null, TimeSpan.FromSeconds(90));
        Assert.NotNull(draining.Shard);
        var victim = cluster.AggregatorHost(draining.Shard);
        await cluster.KillSiloAsync(victim);
        await StageOrdersAsync(cluster, shards, shards.Length * perShard, afterKill);
        await cluster.DrainEverythingAsync("orders");

        await using var connection = new Npgsql.NpgsqlConnection(TestServers.RequirePostgres());
        await connection.OpenAsync();
        var ids = new List<string>();
        await using (var read = new Npgsql.NpgsqlCommand($"SELECT client_id FROM {cluster.Schema}.orders", connection))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetString(0));
            }
        }

        await using var rollup = new Npgsql.NpgsqlCommand($"SELECT sum(count)::bigint || ' ' || sum(sum_total)::bigint FROM {cluster.Schema}.orders_per_customer", connection);
        var counted = (string?)await rollup.ExecuteScalarAsync();
        var total = shards.Length * (perShard + afterKill);
        output.WriteLine($"killed silo {victim} while it drained {draining.Shard} ({draining.Committed} committed); {ids.Count} rows, rollup {counted}");
        Assert.Equal(total, ids.Count);
        Assert.Equal(Enumerable.Range(0, total).Select(n => $"o-{n}").Order(), ids.Order());
        Assert.Equal($"{total} {Enumerable.Range(0, total).Sum(n => (long)(n % 7))}", counted);
    }

    private static async Task StageOrdersAsync(ChaosCluster cluster, string[] shards, int first, int perShard)
    {
        for (var shard = 0; shard < shards.Length; shard++)
        {
            var start = first + (shard * perShard);
            for (var at = start; at < start + perShard; at += 10_000)
            {
                await cluster.Redis.ListLeftPushAsync(shards[shard], [.. Enumerable.Range(at, Math.Min(10_000, start + perShard - at))
                    .Select(n => (StackExchange.Redis.RedisValue)$$"""{"id":"o-{{n}}","customer":"c{{n % 50}}","total":{{n % 7}}}""")]);
            }
        }
    }
}
