using System.Diagnostics;
using System.Text;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>
/// The Api started as the README starts it: its own process, embedded mode (no connection strings), in a working
/// directory of its own so that <c>data/</c> lands there.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _running = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ApiProcess(Process process, int httpPort)
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

    public static ApiProcess Start(EmbeddedPorts ports, string workingDirectory)
    {
        var start = new ProcessStartInfo("dotnet", [BuiltHost.PathOf("Api")])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Remove("ConnectionStrings__Redis");
        start.Environment.Remove("ConnectionStrings__Postgres");
        start.Environment["Urls"] = $"http://127.0.0.1:{ports.Http}";
        start.Environment["Clicks__Embedded__RedisPort"] = ports.Redis.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Orleans__Endpoints__SiloPort"] = ports.Silo.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Orleans__Endpoints__GatewayPort"] = ports.Gateway.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.Start();
        return new ApiProcess(process, ports.Http);
    }

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
        using (var kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

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

        if (line.StartsWith("ClickOrleans is running", StringComparison.Ordinal))
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
