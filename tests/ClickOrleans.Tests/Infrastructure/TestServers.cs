using System.Net;
using System.Net.Sockets;
using Garnet;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>
/// The servers the tests run against. Redis: <c>ConnectionStrings__Redis</c> when set, otherwise an embedded Garnet
/// started once per test run. PostgreSQL: <c>ConnectionStrings__Postgres</c>; without it the PostgreSQL tests skip,
/// except under <c>CI=true</c>, where a missing server is a failure.
/// </summary>
public static class TestServers
{
    private static readonly Lazy<string> s_redis = new(StartRedis);
    private static readonly Lazy<bool> s_redisIsCluster = new(() =>
    {
        using var redis = StackExchange.Redis.ConnectionMultiplexer.Connect(Redis);
        return redis.GetServers()[0].ServerType == StackExchange.Redis.ServerType.Cluster;
    });

    public static string Redis => s_redis.Value;

    public static bool RedisIsEmbedded => Environment.GetEnvironmentVariable("ConnectionStrings__Redis") is not { Length: > 0 };

    /// <summary>Whether <see cref="Redis"/> is a Redis Cluster (ConnectionStrings__Redis naming its seed nodes).</summary>
    public static bool RedisIsCluster => s_redisIsCluster.Value;

    public const string NeedsOneRedisNode = "cuts Redis with a TCP proxy in front of one node, which a cluster's redirects go around (the failover tests cover a cluster)";

    /// <summary>Staging shards the tests' Api and silos run with: Clicks__Shards, 1 when unset.</summary>
    public static int Shards => int.TryParse(Environment.GetEnvironmentVariable("Clicks__Shards"), out var shards) ? shards : 1;

    public static string? Postgres => Environment.GetEnvironmentVariable("ConnectionStrings__Postgres") is { Length: > 0 } value
        ? value
        : null;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Skips the calling test when PostgreSQL is not configured (fails instead under CI).</summary>
    public static string RequirePostgres()
    {
        if (Postgres is { } postgres)
        {
            return postgres;
        }

        const string reason = "PostgreSQL is not configured: set ConnectionStrings__Postgres (scripts/services.sh start prints it).";
        if (IsCi)
        {
            throw new InvalidOperationException("CI=true: " + reason);
        }

        throw new SkipException(reason);
    }

    /// <summary>Whether nothing listens on the loopback port now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// A loopback port nothing listens on, a different one at each call, from 10000 to 19999: below the kernel's
    /// ephemeral range (see <see cref="EphemeralStart"/>) and below the Redis Cluster nodes' ports.
    /// </summary>
    public static int FreePort()
    {
        while (true)
        {
            var port = Interlocked.Increment(ref s_lastPort);
            if (port >= 20_000)
            {
                throw new InvalidOperationException("No free port left from 10000 to 19999.");
            }

            if (IsFree(port))
            {
                return port;
            }
        }
    }

    // A random start, so that a run does not first probe the ports a previous run's leftovers may still hold.
    private static int s_lastPort = 10_000 + Random.Shared.Next(5_000);

    /// <summary>
    /// The first port of the kernel's ephemeral range. A host keeps its port across restarts; a port of that range can
    /// meanwhile become the local end of an outgoing connection, and the restarted host then fails to bind it.
    /// </summary>
    public static int EphemeralStart { get; } = File.Exists("/proc/sys/net/ipv4/ip_local_port_range")
        ? int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0], System.Globalization.CultureInfo.InvariantCulture)
        : 32768;

    private static string StartRedis()
    {
        if (!RedisIsEmbedded)
        {
            return Environment.GetEnvironmentVariable("ConnectionStrings__Redis")!;
        }

        var port = FreePort();
        // Scripts as transactions, as the embedded mode runs Garnet (src/Api/Embedded/EmbeddedRedis.cs).
        var garnet = new GarnetServer(["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--lua", "true", "--lua-transaction-mode", "true"]);
        garnet.Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => garnet.Dispose();
        return $"127.0.0.1:{port}";
    }
}
