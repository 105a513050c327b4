using System.Diagnostics;
using System.Text;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>
/// A host (the Api or a Silo) run from its build output as its own process, in a working directory of its own.
/// <see cref="StartEmbeddedApi"/> starts the Api as the README does: embedded mode, no connection strings.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _running = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HostProcess(Process process, int httpPort)
    {
        _process = process;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        process.OutputDataReceived += (_, line) => Append(line.Data);
        process.ErrorDataReceived += (_, line) => Append(line.Data);
        process.Exited += (_, _) => _running.TrySetException(new InvalidOperationException("The Api exited:\n" + Output));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public HttpClient Http { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <param name="environment">Variables over the defaults below; a null value removes one (e.g. <c>Urls</c>).</param>
    /// <param name="arguments">Command-line arguments of the Api.</param>
    public static HostProcess StartEmbeddedApi(
        EmbeddedPorts ports, string workingDirectory, IReadOnlyDictionary<string, string?>? environment = null, string[]? arguments = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Redis"] = null,
            ["ConnectionStrings__Postgres"] = null,
            ["Urls"] = $"http://127.0.0.1:{ports.Http}",
            ["Clicks__Embedded__RedisPort"] = ports.Redis.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__SiloPort"] = ports.Silo.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__GatewayPort"] = ports.Gateway.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return Start("Api", workingDirectory, settings, ports.Http, arguments: arguments);
    }

    /// <param name="environment">Variables to set; a null value removes the variable.</param>
    /// <param name="user">Run as this user (with setpriv, which execs: the process is the host), e.g. so that firewall rules can single it out.</param>
    /// <param name="arguments">Command-line arguments of the host.</param>
    public static HostProcess Start(
        string project, string workingDirectory, IReadOnlyDictionary<string, string?> environment, int httpPort = 0, string? user = null,
        string[]? arguments = null)
    {
        string[] host = ["dotnet", BuiltHost.PathOf(project), .. arguments ?? []];
        var start = new ProcessStartInfo(
            user is null ? host[0] : "setpriv",
            user is null ? host[1..] : ["--reuid", user, "--regid", "nogroup", "--clear-groups", "--", .. host])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.Start();
        return new HostProcess(process, httpPort);
    }

    /// <summary>Waits until the host printed <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text)
    {
        var printed = await Poll.UntilAsync(() => Task.FromResult(Output.Contains(text, StringComparison.Ordinal)), found => found, TimeSpan.FromSeconds(90));
        Assert.True(printed, $"The host did not print \"{text}\":\n{Output}");
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Waits for the start-up banner: the Api serves, the silo runs, Garnet listens.</summary>
    public Task WaitUntilRunningAsync() => _running.Task.WaitAsync(TimeSpan.FromSeconds(90));

    /// <summary>kill -9: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Ctrl+C: SIGINT, then the exit code.</summary>
    public async Task<int> InterruptAsync()
    {
        Signals.Interrupt(_process.Id);
        return await WaitForExitAsync();
    }

    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        Http.Dispose();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line == "Press Ctrl+C to stop.")
        {
            _running.TrySetResult();
        }
    }
}

/// <summary>Free loopback ports for one embedded Api.</summary>
public sealed record EmbeddedPorts(int Http, int Redis, int Silo, int Gateway)
{
    public static EmbeddedPorts Free() =>
        new(TestServers.FreePort(), TestServers.FreePort(), TestServers.FreePort(), TestServers.FreePort());
}
