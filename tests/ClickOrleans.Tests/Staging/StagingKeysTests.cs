using ClickOrleans.Staging;

namespace ClickOrleans.Tests.Staging;

public sealed class StagingKeysTests
{
    [Fact]
    public void DefaultStagingKey_KeepsTheOriginalPatternsNames()
    {
        var keys = new StagingKeys(StagingDefaults.StagingKey);

        Assert.Equal("product-click-staging", (string?)keys.Staging);
        Assert.Equal("product-click-1764000000000", (string?)keys.PrivateList(1_764_000_000_000));
        Assert.Equal("product-click-staging-dead", (string?)keys.Dead);
    }

    [Fact]
    public void OtherStagingKey_PrefixesItsPrivateLists()
    {
        var keys = new StagingKeys("shop-events");

        Assert.Equal("shop-events-17", (string?)keys.PrivateList(17));
        Assert.Equal("shop-events-dead", (string?)keys.Dead);
    }

    [Fact]
    public void EveryBookkeepingKey_IsDistinctFromTheStagingList()
    {
        var keys = new StagingKeys(StagingDefaults.StagingKey);
        string?[] names = [keys.Staging, keys.Dead, keys.Pending, keys.LastTick, keys.SchedulePeriod, keys.PrivateList(1)];

        Assert.Equal(names.Length, names.Distinct().Count());
    }
}
