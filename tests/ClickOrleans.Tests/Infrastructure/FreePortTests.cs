namespace ClickOrleans.Tests.Infrastructure;

/// <summary>
/// The ports the tests give their hosts. A chaos test keeps a silo's port for its restarts; a port in the kernel's
/// ephemeral range can meanwhile become the local end of some outgoing connection, and the restarted silo then fails
/// with "address already in use" (CI of stop 32, RedisClusterChaosTests, port 41595).
/// </summary>
public sealed class FreePortTests
{
    [Fact]
    public void FreePorts_AreBelowTheEphemeralRange_AndNeverTheSameTwice()
    {
        var ephemeralStart = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0], System.Globalization.CultureInfo.InvariantCulture);

        var ports = Enumerable.Range(0, 200).Select(_ => TestServers.FreePort()).ToList();

        Assert.All(ports, port => Assert.InRange(port, 1024, ephemeralStart - 1));
        Assert.Equal(ports.Count, ports.Distinct().Count());
    }
}
