using ClickOrleans.Staging;
using ClickOrleans.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ClickOrleans.Tests.Staging;

/// <summary>Staging names its failures in its own types: its callers (the Api) read no Redis client exception.</summary>
[Collection(SqliteClusterCollection.Name)]
public sealed class StreamStagerTests(SqliteClusterFixture cluster)
{
    [Fact]
    public async Task RedisOutOfReach_IsAStagingUnavailableException_WithTheRedisFailureInside()
    {
        var options = Options.Create(new ClickOptions { StagingKey = new TestData().StagingKey });
        // Port 1 on loopback: nothing listens there, every connection attempt is refused.
        using var redis = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:1,abortConnect=false,connectTimeout=500,syncTimeout=1000,asyncTimeout=1000,connectRetry=0");
        using var writes = new AcknowledgedWrites(redis, options);
        var stager = new StreamStager(writes, new StagingStream(options.Value), cluster.Grains, options, NullLogger<StreamStager>.Instance);

        var failure = await Assert.ThrowsAsync<StagingUnavailableException>(() => stager.StageAsync([(RedisValue)"""{"id":"out-of-reach","uid":1,"pid":2}"""], ["out-of-reach"]));

        Assert.Equal("The staging store (Redis) cannot be reached", failure.Message);
        Assert.True(failure.InnerException is RedisConnectionException or RedisTimeoutException, failure.InnerException?.GetType().Name);
    }
}
