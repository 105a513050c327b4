using ClickOrleans.Staging;

namespace ClickOrleans.Tests.Staging;

public sealed class StagingKeysTests
{
    [Fact]
    public void DefaultStagingKey_StaysTheOriginalPatterns_AndTagsItsBookkeeping()
    {
        var keys = new StagingKeys(StagingDefaults.StagingKey);

        Assert.Equal("product-click-staging", (string?)keys.Staging);
        Assert.Equal("{product-click-staging}:private:1764000000000", (string?)keys.PrivateList(1_764_000_000_000));
        Assert.Equal("{product-click-staging}:dead", (string?)keys.Dead);
        Assert.Equal("{product-click-staging}:private-lists", (string?)keys.PrivateLists);
    }

    [Fact]
    public void EveryBookkeepingKey_IsDistinctFromTheStagingList()
    {
        var keys = new StagingKeys(StagingDefaults.StagingKey);
        string?[] names = [keys.Staging, keys.Dead, keys.PrivateLists, keys.PrivateListInfo, keys.LastTick, keys.SchedulePeriod, keys.Stats,
            keys.PrivateList(1), keys.ClientId("1")];

        Assert.Equal(names.Length, names.Distinct().Count());
    }

    [Fact]
    public void StagingKeysThatPrefixEachOther_ShareNoKey()
    {
        // Before the hash tags, the private lists of "x" were "x-<tick>": "x-staging"'s bookkeeping could collide with them.
        var x = new StagingKeys("x");
        var xStaging = new StagingKeys("x-staging");
        string?[] Names(StagingKeys keys) =>
            [keys.Staging, keys.Dead, keys.PrivateLists, keys.PrivateListInfo, keys.LastTick, keys.SchedulePeriod, keys.Stats, keys.PrivateList(7), keys.ClientId("a")];

        Assert.Empty(Names(x).Intersect(Names(xStaging)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("with{brace")]
    [InlineData("with}brace")]
    [InlineData("with space")]
    [InlineData("tab\tkey")]
    public void StagingKey_WithBracesSpacesOrControlCharacters_IsRefused(string key)
    {
        Assert.False(StagingKeys.IsValidStagingKey(key));
        Assert.Throws<ArgumentException>(() => new StagingKeys(key));
    }
}
