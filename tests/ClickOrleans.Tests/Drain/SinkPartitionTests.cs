using ClickOrleans.Drain;

namespace ClickOrleans.Tests.Drain;

public sealed class SinkPartitionTests
{
    [Fact]
    public void Partition_IsStableAcrossProcessesAndReleases()
    {
        // Pinned values: a change here would send a product's clicks to another partition after an upgrade.
        Assert.Equal([0, 0, 3, 2, 2], new long[] { 0, 1, 2, 3, long.MaxValue }.Select(pid => SinkPartition.Of(pid, 4)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(13)]
    public void SequentialProducts_SpreadEvenlyOverThePartitions(int partitions)
    {
        var counts = new int[partitions];
        for (long pid = 1_000_000; pid < 1_080_000; pid++)
        {
            counts[SinkPartition.Of(pid, partitions)]++;
        }

        var expected = 80_000.0 / partitions;
        Assert.All(counts, count => Assert.InRange(count, expected * 0.95, expected * 1.05));
    }

    [Fact]
    public void ReminderTick_IsNamedByItsScheduledTime()
    {
        var scheduled = new DateTime(2026, 11, 27, 10, 15, 0, DateTimeKind.Utc);

        var tick = DrainTick.FromReminder(new TickStatus(scheduled.AddHours(-1), TimeSpan.FromMinutes(1), scheduled));

        Assert.Equal(new DateTimeOffset(scheduled).ToUnixTimeMilliseconds(), tick);
    }
}
