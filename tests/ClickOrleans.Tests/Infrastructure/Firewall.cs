using System.Diagnostics;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>
/// iptables rules on loopback that a test adds to cut traffic between its own processes (by port and, with the owner
/// match, by the user a host runs as), each tagged with the test's comment and all removed when disposed.
/// </summary>
public sealed class Firewall : IAsyncDisposable
{
    private readonly string _tag = "clickorleans-" + Guid.NewGuid().ToString("N")[..10];
    private readonly List<string[]> _rules = [];

    /// <summary>The user a host runs as so that rules can single it out: one that exists on Debian and owns nothing.</summary>
    public const string IsolatedUser = "nobody";

    /// <summary>Skips (fails under CI) unless this is root with iptables' owner match.</summary>
    public static void Require()
    {
        var reason = Environment.UserName != "root" ? "needs root to add iptables rules"
            : !File.Exists("/usr/sbin/iptables") ? "needs iptables (apt-get install iptables)"
            : null;
        if (reason is not null)
        {
            throw TestServers.IsCi ? new InvalidOperationException(reason) : new SkipException(reason);
        }
    }

    /// <summary>Drops what <see cref="IsolatedUser"/>'s processes send to these ports: they time out, as across a broken network.</summary>
    public Task DropFromIsolatedUserAsync(IEnumerable<int> ports) =>
        AddAsync(["OUTPUT", "-o", "lo", "-p", "tcp", "-m", "owner", "--uid-owner", IsolatedUser, "-m", "multiport", "--dports", Ports(ports), "-j", "DROP"]);

    /// <summary>Refuses what <see cref="IsolatedUser"/>'s processes send to these ports: their connections are reset at once.</summary>
    public Task RejectFromIsolatedUserAsync(IEnumerable<int> ports) =>
        AddAsync(["OUTPUT", "-o", "lo", "-p", "tcp", "-m", "owner", "--uid-owner", IsolatedUser, "-m", "multiport", "--dports", Ports(ports), "-j", "REJECT", "--reject-with", "tcp-reset"]);

    /// <summary>Drops everything sent to these ports, by anyone.</summary>
    public Task DropToAsync(IEnumerable<int> ports) =>
        AddAsync(["INPUT", "-i", "lo", "-p", "tcp", "-m", "multiport", "--dports", Ports(ports), "-j", "DROP"]);

    /// <summary>Removes every rule this firewall added: the network heals.</summary>
    public async Task HealAsync()
    {
        foreach (var rule in _rules)
        {
            await IptablesAsync(["-D", .. rule]);
        }

        _rules.Clear();
    }

    public async ValueTask DisposeAsync() => await HealAsync();

    private async Task AddAsync(string[] rule)
    {
        string[] tagged = [.. rule, "-m", "comment", "--comment", _tag];
        await IptablesAsync(["-I", .. tagged]);
        _rules.Add(tagged);
    }

    private static string Ports(IEnumerable<int> ports) => string.Join(',', ports);

    private static async Task IptablesAsync(string[] arguments)
    {
        using var iptables = Process.Start(new ProcessStartInfo("iptables", ["-w", .. arguments]) { RedirectStandardError = true })!;
        var error = await iptables.StandardError.ReadToEndAsync();
        await iptables.WaitForExitAsync();
        Assert.True(iptables.ExitCode == 0, $"iptables {string.Join(' ', arguments)}: {error}");
    }
}
