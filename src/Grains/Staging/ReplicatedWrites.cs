using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>
/// The staging writes that must be on <c>Clicks:Staging:Replicas</c> replicas before anyone relies on them — the Api's
/// pushes, the drain's take-overs, commits and completions — and the <c>WAIT</c> that checks it. With replicas asked
/// for, they go over a Redis connection of their own: <c>WAIT</c> counts the writes of the connection it runs on, and
/// it blocks that connection while it waits, which must not hold up health checks or Orleans' own traffic.
/// </summary>
public sealed class ReplicatedWrites : IDisposable
{
    private readonly ConnectionMultiplexer? _own;
    private readonly IConnectionMultiplexer _redis;
    private readonly StagingReplication _replication;

    public ReplicatedWrites(IConnectionMultiplexer shared, IOptions<ClickOptions> options)
    {
        _replication = options.Value.Staging;
        if (_replication.Replicas > 0)
        {
            var configuration = StagingRedisExtensions.ConfigurationOf(shared.Configuration);
            configuration.ClientName = "clickorleans-replicated-writes";
            _own = ConnectionMultiplexer.Connect(configuration);
        }

        _redis = _own ?? shared;
    }

    /// <summary>Where the writes that <see cref="AcknowledgedAsync"/> checks go.</summary>
    public IDatabase Database => _redis.GetDatabase();

    /// <summary>Whether writes wait for replicas at all (<c>Clicks:Staging:Replicas</c> above 0).</summary>
    public bool WaitsForReplicas => _own is not null;

    /// <summary>
    /// Completes once <c>Clicks:Staging:Replicas</c> replicas of the node that owns <paramref name="key"/> have every
    /// write this connection sent it, so also everything written before those writes (replication keeps one order).
    /// </summary>
    /// <exception cref="StagingNotReplicatedException">Fewer replicas acknowledged within <c>Clicks:Staging:ReplicaTimeout</c>.</exception>
    public async Task AcknowledgedAsync(RedisKey key)
    {
        if (_own is null)
        {
            return;
        }

        var acknowledged = (long)await _own.GetServer(key)
            .ExecuteAsync("WAIT", _replication.Replicas, (long)_replication.ReplicaTimeout.TotalMilliseconds);
        if (acknowledged < _replication.Replicas)
        {
            throw new StagingNotReplicatedException(_replication.Replicas, acknowledged);
        }
    }

    public void Dispose() => _own?.Dispose();
}

/// <summary>A write reached Redis but fewer replicas than <c>Clicks:Staging:Replicas</c> acknowledged it in time.</summary>
public sealed class StagingNotReplicatedException(int wanted, long acknowledged)
    : Exception($"{acknowledged} of the {wanted} replicas Clicks:Staging:Replicas asks for acknowledged the write in time.");
