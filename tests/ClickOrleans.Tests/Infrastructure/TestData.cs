using System.Globalization;
using StackExchange.Redis;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>A test's own slice of the shared servers: its staging key, user id and product id range.</summary>
public sealed class TestData
{
    public const int Products = 50;

    public string StagingKey { get; } = "test-" + Guid.NewGuid().ToString("N")[..12] + "-staging";

    public long Uid { get; } = Random.Shared.NextInt64(1, long.MaxValue / 2);

    public long PidFrom { get; } = Random.Shared.NextInt64(1, long.MaxValue / 2);

    public long PidTo => PidFrom + Products - 1;

    public long Pid(int i) => PidFrom + i % Products;

    /// <summary>Elements in the original producers' format <c>{"uid":..,"pid":..}</c>, oldest first.</summary>
    public RedisValue[] SeedElements(int count) =>
        Enumerable.Range(0, count)
            .Select(i => (RedisValue)string.Create(CultureInfo.InvariantCulture, $$"""{"uid":{{Uid}},"pid":{{Pid(i)}}}"""))
            .ToArray();

    /// <summary>Pushes elements one LPUSH each, in order, as independent producers would.</summary>
    public static async Task PushAsync(IDatabase redis, string key, RedisValue[] elements)
    {
        // LPUSH with many values pushes them left to right: the first ends up oldest, as separate pushes would.
        await redis.ListLeftPushAsync(key, elements);
    }
}
