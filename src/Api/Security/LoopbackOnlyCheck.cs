using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ClickOrleans.Api.Security;

/// <summary>
/// Once Kestrel listens, checks the addresses it actually bound for an Api without keys: one that is not loopback
/// stops the start (whatever setting led to it), so an anonymous Api is never reachable from another machine.
/// </summary>
internal sealed class LoopbackOnlyCheck(IServer server) : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var open = addresses.Where(address => !ApiSecurityExtensions.IsLoopback(address)).ToArray();
        return open.Length == 0
            ? Task.CompletedTask
            : throw new UnsafeBindingException(
                $"The Api without keys (Api:Keys) is bound to {string.Join(", ", open)}, which is not loopback: stopped. Bind it to loopback, or configure API keys.");
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>An Api without keys is bound to an address that is not loopback.</summary>
public sealed class UnsafeBindingException(string message) : Exception(message);
