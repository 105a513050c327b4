using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>
/// A Redis Cluster of a test's own: 3 masters and 3 replicas, redis-server processes on free loopback ports, with a
/// 2-second node timeout, so a master killed with SIGKILL is replaced by its replica within seconds.
/// </summary>
public sealed class RedisClusterNodes : IAsyncDisposable
{
    private readonly string _directory;
    private readonly int[] _ports;
    private readonly Process?[] _nodes;

    private RedisClusterNodes(string directory, int[] ports)
    {
        _directory = directory;
        _ports = ports;
        _nodes = new Process?[ports.Length];
    }

    /// <summary>Three seed nodes, as ConnectionStrings:Redis takes them.</summary>
    public string Seeds => string.Join(',', _ports.Take(3).Select(port => $"127.0.0.1:{port}"));

    public static async Task<RedisClusterNodes> StartAsync(string directory)
    {
        var nodes = new RedisClusterNodes(directory, [.. Enumerable.Range(0, 6).Select(_ => FreeClusterPort())]);
        try
        {
            await nodes.CreateAsync();
        }
        catch
        {
            await nodes.DisposeAsync();
            throw;
        }

        return nodes;
    }

    private async Task CreateAsync()
    {
        var nodes = this;
        for (var i = 0; i < nodes._ports.Length; i++)
        {
            nodes.Start(i);
        }

        foreach (var port in nodes._ports)
        {
            Assert.True(await Poll.UntilAsync(() => PingAsync(port), up => up, TimeSpan.FromSeconds(10)), $"redis-server on {port} did not start");
        }

        var create = Process.Start(new ProcessStartInfo("redis-cli",
            ["--cluster", "create", .. nodes._ports.Select(port => $"127.0.0.1:{port}"), "--cluster-replicas", "1", "--cluster-yes"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var created = await create.StandardOutput.ReadToEndAsync() + await create.StandardError.ReadToEndAsync();
        await create.WaitForExitAsync();
        var state = await Poll.UntilAsync(() => nodes.StateAsync(nodes._ports[0]), state => state == "ok", TimeSpan.FromSeconds(30));
        Assert.True(state == "ok", $"the Redis Cluster did not become ready (state {state}):\n{created}");
    }

    /// <summary>The port of the master that holds <paramref name="key"/>, as the live nodes see it.</summary>
    public async Task<int> MasterOfAsync(string key)
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(Seeds + ",abortConnect=false,connectTimeout=1000");
        return ((IPEndPoint)redis.GetServer((RedisKey)key).EndPoint).Port;
    }

    /// <summary>Waits until a replica took over <paramref name="key"/>'s slot from the master on <paramref name="killed"/>.</summary>
    public async Task<int> WaitForNewMasterAsync(string key, int killed)
    {
        var master = await Poll.UntilAsync(async () =>
        {
            try
            {
                return await StateAsync(_ports.First(port => port != killed)) == "ok" ? await MasterOfAsync(key) : killed;
            }
            catch (Exception e) when (e is RedisException or ArgumentException)
            {
                return killed;
            }
        }, port => port != killed, TimeSpan.FromSeconds(60));
        Assert.True(master != killed, $"no replica took over {key} from the master on {killed}");
        return master;
    }

    /// <summary>SIGKILL of one node: no shutdown, no last write; its replica is promoted after the node timeout.</summary>
    public async Task KillAsync(int port)
    {
        var node = _nodes[Array.IndexOf(_ports, port)]!;
        node.Kill();
        await node.WaitForExitAsync();
    }

    /// <summary>The port of a replica of the master on <paramref name="masterPort"/>.</summary>
    public async Task<int> ReplicaOfAsync(int masterPort)
    {
        // INFO replication lists them as slave0:ip=…,port=…,state=online,…; a replica appears there once it synced.
        var port = await Poll.UntilAsync(async () =>
        {
            using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{masterPort},abortConnect=false,connectTimeout=1000,allowAdmin=true");
            var info = await redis.GetServer("127.0.0.1", masterPort).InfoAsync("replication");
            var replica = info.SelectMany(group => group).FirstOrDefault(pair => pair.Key.StartsWith("slave", StringComparison.Ordinal) && pair.Value.Contains("state=online", StringComparison.Ordinal));
            return replica.Value is { } value ? int.Parse(value.Split(',').First(part => part.StartsWith("port=", StringComparison.Ordinal))[5..], System.Globalization.CultureInfo.InvariantCulture) : 0;
        }, found => found > 0, TimeSpan.FromSeconds(30));
        Assert.True(port > 0, $"the master on {masterPort} has no replica online");
        return port;
    }

    /// <summary>Returns once a replica of the master on <paramref name="masterPort"/> has every write it took so far (WAIT).</summary>
    public async Task WaitForReplicaAsync(int masterPort)
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{masterPort},abortConnect=false,connectTimeout=1000,allowAdmin=true");
        var acknowledged = (long)await redis.GetServer("127.0.0.1", masterPort).ExecuteAsync("WAIT", 1, 10_000);
        Assert.True(acknowledged >= 1, $"no replica of the master on {masterPort} acknowledged its writes");
    }

    /// <summary>SIGSTOP of one node: it neither answers nor replicates, its connections stay open, until <see cref="Resume"/>.</summary>
    public void Pause(int port) => Signals.Stop(_nodes[Array.IndexOf(_ports, port)]!.Id);

    public void Resume(int port) => Signals.Continue(_nodes[Array.IndexOf(_ports, port)]!.Id);

    /// <summary>Starts a killed node again: it rejoins, as a replica of the master that replaced it.</summary>
    public void Restart(int port) => Start(Array.IndexOf(_ports, port));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            if (node is { HasExited: false })
            {
                node.Kill();
                await node.WaitForExitAsync();
            }

            node?.Dispose();
        }
    }

    private void Start(int index)
    {
        var port = _ports[index];
        var directory = Path.Combine(_directory, "redis-" + port);
        Directory.CreateDirectory(directory);
        _nodes[index] = Process.Start(new ProcessStartInfo("redis-server",
        [
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory,
            "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000",
            "--appendonly", "yes", "--appendfsync", "always", "--save", "",
        ])
        {
            RedirectStandardOutput = true,
        })!;
        _nodes[index]!.BeginOutputReadLine();
    }

    private async Task<string?> StateAsync(int port)
    {
        try
        {
            using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},connectTimeout=1000,abortConnect=true,allowAdmin=true");
            // A verbatim string in RESP3 ("txt:" first): look for the field wherever it starts.
            var info = (string?)await redis.GetServer("127.0.0.1", port).ExecuteAsync("CLUSTER", "INFO") ?? "";
            var at = info.IndexOf("cluster_state:", StringComparison.Ordinal);
            return at < 0 ? null : info[(at + "cluster_state:".Length)..].Split('\n')[0].Trim();
        }
        catch (Exception e) when (e is RedisException or ArgumentException)
        {
            return null; // the node is down or not yet known to the client
        }
    }

    private static async Task<bool> PingAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // A cluster node also listens on its port + 10000 (the cluster bus): both must be free, so ports stay below 55536.
    private static int FreeClusterPort()
    {
        while (true)
        {
            // Node and bus port (+10000) above TestServers.FreePort's and below the ephemeral range (nodes restart).
            var port = Random.Shared.Next(20_000, TestServers.EphemeralStart - 10_000);
            if (TestServers.IsFree(port) && TestServers.IsFree(port + 10_000))
            {
                return port;
            }
        }
    }
}
