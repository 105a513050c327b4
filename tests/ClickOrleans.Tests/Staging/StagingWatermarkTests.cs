using ClickOrleans.Staging;
using ClickOrleans.Tests.Infrastructure;

namespace ClickOrleans.Tests.Staging;

/// <summary>
/// The watermark of one staging list, through the take-over and completion scripts themselves: it claims committed only
/// what every take-over and completion so far proves, whichever order private lists finish in.
/// </summary>
[Collection(SqliteClusterCollection.Name)]
public sealed class StagingWatermarkTests(SqliteClusterFixture cluster)
{
    [Fact]
    public async Task Watermark_FollowsTakeOversAndCompletions_WhicheverListFinishesFirst()
    {
        var keys = new StagingKeys(new TestData().StagingKey);
        var lists = new PrivateLists(cluster.Redis, keys);
        var watermark = new StagingWatermark(cluster.Redis, keys);

        // Nothing accepted: everything accepted is committed.
        var idle = await watermark.ReadAsync();
        Assert.Equal(idle.AsOf, idle.CommittedTo);

        // Accepted, never taken over: nothing is known to be committed.
        await cluster.Redis.ListLeftPushAsync(keys.Staging, "a");
        Assert.Equal(DateTimeOffset.UnixEpoch, (await watermark.ReadAsync()).CommittedTo);
        var first = await TakeOverAsync(lists, 1);
        Assert.Equal(DateTimeOffset.UnixEpoch, (await watermark.ReadAsync()).CommittedTo);

        // The first list done while "b", accepted after its take-over, waits: committed up to that take-over.
        await cluster.Redis.ListLeftPushAsync(keys.Staging, "b");
        await lists.CompleteAsync(first.Name, 0, loss: null);
        Assert.Equal(first.TakenOverAt, (await watermark.ReadAsync()).CommittedTo);

        // Two lists pending; the newer one finishes first: the older holds the watermark at the take-over before it.
        var second = await TakeOverAsync(lists, 2);
        await cluster.Redis.ListLeftPushAsync(keys.Staging, "c");
        var third = await TakeOverAsync(lists, 3);
        await lists.CompleteAsync(third.Name, 0, loss: null);
        Assert.Equal(first.TakenOverAt, (await watermark.ReadAsync()).CommittedTo);

        // All done and nothing staged: committed up to now.
        await lists.CompleteAsync(second.Name, 0, loss: null);
        var done = await watermark.ReadAsync();
        Assert.Equal(done.AsOf, done.CommittedTo);
        Assert.True(done.CommittedTo >= third.TakenOverAt);
    }

    private static async Task<PrivateList> TakeOverAsync(PrivateLists lists, long tickId) =>
        await lists.TakeOverAsync(tickId, partitions: 1, TimeSpan.FromMinutes(5), PrivateList.ByEventId, version: "test")
        ?? throw new InvalidOperationException("The staging list was empty.");
}
