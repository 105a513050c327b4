using System.Net;
using System.Net.Sockets;
using Garnet;

namespace ClickOrleans.Api.Embedded;

/// <summary>
/// Garnet, a Redis-compatible server, inside the Api process: clustering, reminders and the staging list of the
/// zero-setup mode. Scripts run with their keys locked, and its append-only log is recovered at start, so a click staged
/// before a crash is drained after it — but not always exactly once after a kill -9: Garnet 2.2.8 logs a script's writes
/// one by one and can replay a part of it (issue 22, item 7; scripts/garnet-replay-check.sh; README, Embedded mode).
/// </summary>
public sealed class EmbeddedRedis : IDisposable
{
    private readonly GarnetServer _server;

    private EmbeddedRedis(GarnetServer server, int port, string dataDirectory)
    {
        _server = server;
        ConnectionString = $"127.0.0.1:{port}";
        DataDirectory = dataDirectory;
    }

    public string ConnectionString { get; }

    public string DataDirectory { get; }

    /// <exception cref="EmbeddedRedisException">The port is taken: another Redis, or another ClickOrleans.</exception>
    public static EmbeddedRedis Start(EmbeddedRedisOptions options)
    {
        var port = options.RedisPort;
        EnsurePortIsFree(port);
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        // The append-only log lives under the checkpoint directory (Garnet's --logdir is for tiered storage).
        var checkpointDirectory = Path.Combine(dataDirectory, "garnet");
        Directory.CreateDirectory(checkpointDirectory);

        // Garnet prints its logo on stdout; the Api prints one banner of its own once everything runs.
        var stdout = Console.Out;
        Console.SetOut(TextWriter.Null);
        try
        {
            // The options-object constructor of Garnet 2.2.8 throws; the command-line one is the supported entry.
            var server = new GarnetServer(Arguments(port, checkpointDirectory));
            server.Start();
            return new EmbeddedRedis(server, port, dataDirectory);
        }
        finally
        {
            Console.SetOut(stdout);
        }
    }

    public void Dispose() => _server.Dispose();

    private static string[] Arguments(int port, string checkpointDirectory) =>
    [
        "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--bind", "127.0.0.1",
        "--lua", "true",
        // Without it Garnet runs a script without locking its keys, so other clients' commands interleave with it. It
        // does not make the script one entry of the log: that is what a kill -9 still breaks (scripts/garnet-replay-check.sh).
        "--lua-transaction-mode", "true",
        // Not --aof-commit-wait: it cost 91% of batch ingest here and did not stop the loss under kill -9 that
        // EmbeddedModeTests.Kill9InALoop shows (bench/results.md, "Embedded Garnet's settings").
        "--aof",
        "--recover",
        "--checkpointdir", checkpointDirectory,
        // The managed file device: the native one needs libaio, which a machine with only the .NET SDK lacks.
        "--device-type", "RandomAccess",
    ];

    private static void EnsurePortIsFree(int port)
    {
        var probe = new TcpListener(IPAddress.Loopback, port);
        try
        {
            probe.Start();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new EmbeddedRedisException(
                $"Port {port} is already in use, so the embedded Redis cannot start. Stop what holds it, " +
                $"set Clicks:Embedded:RedisPort to a free port, or point ConnectionStrings:Redis at a running Redis.");
        }
        finally
        {
            probe.Stop();
        }
    }
}

/// <summary>The embedded Redis could not start.</summary>
public sealed class EmbeddedRedisException(string message) : Exception(message);
