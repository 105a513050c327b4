using System.Net;
using System.Net.Sockets;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>A loopback TCP forwarder a test can cut and restore: a real network outage between a client and a server.</summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopped = new();
    private readonly List<TcpClient> _connections = [];
    private readonly Task _accepting;
    private volatile bool _cut;
    private volatile TaskCompletionSource? _stalled;

    public TcpProxy(string target)
    {
        _target = IPEndPoint.Parse(target);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Drops every connection and refuses new ones until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        _cut = true;
        lock (_connections)
        {
            _connections.ForEach(connection => connection.Dispose());
            _connections.Clear();
        }
    }

    /// <summary>
    /// A black hole: connections stay open but no byte passes either way, and new ones are accepted but never answered,
    /// until <see cref="Restore"/> — a network that drops packets, where clients wait out their timeouts.
    /// </summary>
    public void Stall() => _stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Restore()
    {
        _cut = false;
        Interlocked.Exchange(ref _stalled, null)?.TrySetResult();
    }

    private Task Passing => _stalled?.Task ?? Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        Cut();
        Interlocked.Exchange(ref _stalled, null)?.TrySetResult();
        await _stopped.CancelAsync();
        _listener.Stop();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopped.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopped.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stopped.Token);
            if (_cut)
            {
                client.Dispose();
                continue;
            }

            _ = ConnectAsync(client);
        }
    }

    private async Task ConnectAsync(TcpClient client)
    {
        await Passing.WaitAsync(_stopped.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var server = new TcpClient();
        try
        {
            await server.ConnectAsync(_target, _stopped.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            client.Dispose();
            server.Dispose();
            return;
        }

        lock (_connections)
        {
            _connections.Add(client);
            _connections.Add(server);
        }

        _ = PumpAsync(client, server);
        _ = PumpAsync(server, client);
    }

    private async Task PumpAsync(TcpClient from, TcpClient to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.GetStream().ReadAsync(buffer)) > 0)
            {
                await Passing;
                await to.GetStream().WriteAsync(buffer.AsMemory(0, read));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            // The other side went away or the proxy was cut: close both ends below.
        }

        from.Dispose();
        to.Dispose();
    }
}
