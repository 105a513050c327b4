using ClickOrleans.Sinks;
using ClickOrleans.Sinks.Parquet;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ClickOrleans.Hosting;

/// <summary>Redis answers a PING.</summary>
public sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await redis.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy($"PING answered in {latency.TotalMilliseconds:F1} ms");
        }
        catch (RedisException e)
        {
            return HealthCheckResult.Unhealthy("Redis cannot be reached", e);
        }
    }
}

/// <summary>
/// The drain keeps up: Degraded, with the reason, when a private list has not advanced for <c>Clicks:StallAfter</c> or
/// the drains of that long failed in a row (<see cref="DrainStall"/>), on any shard of any stream. Read from Redis, so the Api and
/// every silo see it.
/// </summary>
public sealed class DrainHealthCheck(IConnectionMultiplexer redis, IOptions<ClickOptions> options, StreamCatalog streams, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var stalls = new List<string>();
            foreach (var shard in streams.Streams.SelectMany(stream => new StagingStream(stream.StagingKey, stream.Shards).Shards))
            {
                var stats = await new DrainStats(redis.GetDatabase(), shard).ReadAsync(time.GetUtcNow(), draining: false, options.Value.StallAfter);
                if (stats.Stall is { } stall)
                {
                    stalls.Add($"The drain of {shard.Staging} is stalled: {stall}");
                }
            }

            return stalls.Count > 0 ? HealthCheckResult.Degraded(string.Join(" ", stalls)) : HealthCheckResult.Healthy();
        }
        catch (RedisException e)
        {
            return HealthCheckResult.Unhealthy("Redis cannot be reached", e);
        }
    }
}

/// <summary>The sink's store answers a trivial query, and the Parquet archive, where a stream has one, can be written to; the answer names the sink that fails.</summary>
public sealed class SinkHealthCheck(IEventSink sink, ParquetArchive archive, StreamCatalog streams) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await sink.PingAsync(cancellationToken);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"The sink cannot be reached: {sink.Name}", e);
        }

        if (streams.Streams.Any(stream => stream.Archived))
        {
            try
            {
                await archive.PingAsync(cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return HealthCheckResult.Unhealthy($"The sink cannot be written to: {StreamSinks.Parquet} ({archive.Lake})", e);
            }
        }

        return HealthCheckResult.Healthy();
    }
}

/// <summary>The Orleans cluster has an active silo this host can reach.</summary>
public sealed class ClusterHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var silos = await grains.GetGrain<IManagementGrain>(0).GetHosts(true, cancellationToken);
            return silos.Count > 0
                ? HealthCheckResult.Healthy($"{silos.Count} active silos")
                : HealthCheckResult.Unhealthy("No active silo");
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("The cluster cannot be reached", e);
        }
    }
}
