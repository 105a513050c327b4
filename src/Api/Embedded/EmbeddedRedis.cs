using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Garnet;

namespace ClickOrleans.Api.Embedded;

/// <summary>
/// Garnet, a Redis-compatible server, inside the Api process: clustering, reminders and the staging list of the
/// zero-setup mode. Scripts run with their keys locked, every push waits for its append-only log to be committed
/// (<see cref="StagingAcknowledgement.CommitAof"/>), and the log is recovered at start, so a click acknowledged before a
/// crash is drained after it — but not always exactly once after a kill -9: Garnet 2.2.8 logs a script's writes one by
/// one and can replay a part of it (issue 22, item 7; scripts/garnet-replay-check.sh; README, Embedded mode).
/// It asks for a password, generated at the first start and kept in <see cref="PasswordFile"/> (readable by its owner
/// only): without one, any web page the machine's browser opens could write to it with an HTTP POST whose body is
/// RESP, a request browsers send without asking.
/// </summary>
public sealed class EmbeddedRedis : IDisposable
{
    private readonly GarnetServer _server;

    private EmbeddedRedis(GarnetServer server, int port, string password, string passwordFile, string dataDirectory)
    {
        _server = server;
        Address = $"127.0.0.1:{port}";
        ConnectionString = $"{Address},password={password}";
        PasswordFile = passwordFile;
        DataDirectory = dataDirectory;
    }

    /// <summary>Where it listens, without the password: what may be printed.</summary>
    public string Address { get; }

    /// <summary>The address with the password: never printed.</summary>
    public string ConnectionString { get; }

    /// <summary>The file that holds the password, for other producers (<c>redis-cli -a "$(cat …)"</c>).</summary>
    public string PasswordFile { get; }

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
        var passwordFile = Path.Combine(checkpointDirectory, "password");
        var password = ReadOrCreatePassword(passwordFile);

        // Garnet prints its logo on stdout; the Api prints one banner of its own once everything runs.
        var stdout = Console.Out;
        Console.SetOut(TextWriter.Null);
        try
        {
            // The options-object constructor of Garnet 2.2.8 throws; the command-line one is the supported entry.
            var server = new GarnetServer(Arguments(port, password, checkpointDirectory));
            server.Start();
            return new EmbeddedRedis(server, port, password, passwordFile, dataDirectory);
        }
        finally
        {
            Console.SetOut(stdout);
        }
    }

    public void Dispose() => _server.Dispose();

    private static string ReadOrCreatePassword(string file)
    {
        if (File.Exists(file))
        {
            return File.ReadAllText(file).Trim();
        }

        var password = RandomNumberGenerator.GetHexString(48, lowercase: true);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(file, options))
        {
            writer.Write(password);
        }

        return password;
    }

    private static string[] Arguments(int port, string password, string checkpointDirectory) =>
    [
        "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--bind", "127.0.0.1",
        "--auth", "Password",
        "--password", password,
        "--lua", "true",
        // Without it Garnet runs a script without locking its keys, so other clients' commands interleave with it. It
        // does not make the script one entry of the log: that is what a kill -9 still breaks (scripts/garnet-replay-check.sh).
        "--lua-transaction-mode", "true",
        // Not --aof-commit-wait, which commits after every write (91% of batch ingest here): each push commits the
        // log once with COMMITAOF instead (Clicks:Staging:CommitAof; bench/results.md, "a log commit per push").
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
