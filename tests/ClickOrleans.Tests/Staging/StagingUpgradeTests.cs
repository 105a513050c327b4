using ClickOrleans.Staging;
using ClickOrleans.Tests.Infrastructure;
using StackExchange.Redis;

namespace ClickOrleans.Tests.Staging;

/// <summary>An upgrade from the release before hash-tagged keys finishes what that release left in Redis.</summary>
[Collection(SqliteClusterCollection.Name)]
public sealed class StagingUpgradeTests(SqliteClusterFixture cluster)
{
    [SkippableFact]
    public async Task PrivateListAndDeadLettersOfTheOlderRelease_AreMovedAndDrained()
    {
        Skip.If(TestServers.RedisIsCluster, "the key layout before hash tags never ran on Redis Cluster: its scripts were cross-slot");
        var data = new TestData();
        var staging = data.StagingKey;
        const long tick = 1_764_000_000_000;
        // What that release left: a private list with 100 of its 500 elements committed (and trimmed off), its
        // pending entry, two dead letters and the last tick id.
        var oldList = staging[..^"staging".Length] + tick;
        var elements = data.SeedElements(500);
        await cluster.Redis.ListLeftPushAsync(oldList, elements[100..]);
        await cluster.Redis.HashSetAsync(staging + "-pending", oldList, 100);
        await cluster.Redis.ListLeftPushAsync(staging + "-dead", ["old letter 1", "old letter 2"]);
        await cluster.Redis.StringSetAsync(staging + "-last-tick", tick);
        var later = new TestData();
        await cluster.Redis.ListLeftPushAsync(staging, later.SeedElements(50));

        var result = await cluster.Grains.GetGrain<IAggregatorGrain>(staging).Drain();

        var keys = new StagingKeys(staging);
        Assert.Equal((string?)keys.PrivateList(tick), result.Lists[0]);
        Assert.Equal((450, 450), (result.Elements, result.Written));
        Assert.Equal(400, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
        Assert.Equal(50, (await cluster.Probe.ClickIdsAsync(later.Uid)).Count);
        foreach (var old in new RedisKey[] { oldList, staging + "-pending", staging + "-dead", staging + "-last-tick" })
        {
            Assert.False(await cluster.Redis.KeyExistsAsync(old), $"{old} is still there");
        }

        Assert.Equal(["old letter 1", "old letter 2"], (await new DeadLetters(cluster.Redis, keys).ReadAsync(10)).Select(letter => letter.Element));
    }
}
