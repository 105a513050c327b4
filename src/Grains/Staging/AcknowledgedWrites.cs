using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>
/// The staging writes that must survive a crash before anyone relies on them — the Api's pushes, the drain's
/// take-overs, commits and completions — and the check that they do: <c>WAIT</c> for <c>Clicks:Staging:Replicas</c>
/// replicas, and with <c>Clicks:Staging:CommitAof</c> Garnet's <c>COMMITAOF</c>, which answers once its append-only log
/// holds every write so far. With either asked for, the writes go over a Redis connection of their own: <c>WAIT</c>
/// counts the writes of the connection it runs on, and both block that connection while they wait, which must not hold
/// up health checks or Orleans' own traffic.
/// </summary>
public sealed class AcknowledgedWrites : IDisposable
{
    private readonly ConnectionMultiplexer? _own;
    private readonly IConnectionMultiplexer _redis;
    private readonly StagingAcknowledgement _staging;

    public AcknowledgedWrites(IConnectionMultiplexer shared, IOptions<ClickOptions> options)
    {
        _staging = options.Value.Staging;
        if (_staging.Replicas > 0 || _staging.CommitAof)
        {
            var configuration = StagingRedisExtensions.ConfigurationOf(shared.Configuration);
            configuration.ClientName = "clickorleans-acknowledged-writes";
            _own = ConnectionMultiplexer.Connect(configuration);
        }

        _redis = _own ?? shared;
    }

    /// <summary>Where the writes that <see cref="AcknowledgedAsync"/> checks go.</summary>
    public IDatabase Database => _redis.GetDatabase();

    /// <summary>Whether writes are checked at all (<c>Clicks:Staging:Replicas</c> above 0, or <c>Clicks:Staging:CommitAof</c>).</summary>
    public bool Acknowledges => _own is not null;

    /// <summary>
    /// Completes once the node that owns <paramref name="key"/> has committed to its append-only log (with
    /// <c>CommitAof</c>) and <c>Clicks:Staging:Replicas</c> of its replicas have every write this connection sent it, so
    /// also everything written before those writes (the log and replication each keep one order).
    /// </summary>
    /// <exception cref="StagingNotReplicatedException">Fewer replicas acknowledged within <c>Clicks:Staging:ReplicaTimeout</c>.</exception>
    public async Task AcknowledgedAsync(RedisKey key)
    {
        if (_own is null)
        {
            return;
        }

        var server = _own.GetServer(key);
        if (_staging.CommitAof)
        {
            await server.ExecuteAsync("COMMITAOF");
        }

        if (_staging.Replicas == 0)
        {
            return;
        }

        var acknowledged = (long)await server.ExecuteAsync("WAIT", _staging.Replicas, (long)_staging.ReplicaTimeout.TotalMilliseconds);
        if (acknowledged < _staging.Replicas)
        {
            throw new StagingNotReplicatedException(_staging.Replicas, acknowledged);
        }
    }

    public void Dispose() => _own?.Dispose();
}

/// <summary>A write reached Redis but fewer replicas than <c>Clicks:Staging:Replicas</c> acknowledged it in time.</summary>
public sealed class StagingNotReplicatedException(int wanted, long acknowledged)
    : Exception($"{acknowledged} of the {wanted} replicas Clicks:Staging:Replicas asks for acknowledged the write in time.");
