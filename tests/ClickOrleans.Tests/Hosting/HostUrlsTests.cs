using System.Net;
using ClickOrleans.Tests.Infrastructure;

namespace ClickOrleans.Tests.Hosting;

/// <summary>
/// The hosts listen where ASP.NET Core's standard settings say — <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>,
/// <c>--urls</c>, <c>Urls</c> — as every container image and platform expects, and on their loopback default only when
/// none is set.
/// </summary>
// Host processes with servers of their own (embedded mode) or none: .ci/run runs them once, not against every Redis.
[Trait("Category", "Hosts")]
public sealed class HostUrlsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("clickorleans-urls-").FullName;

    [Theory]
    [InlineData("ASPNETCORE_URLS")]
    [InlineData("ASPNETCORE_HTTP_PORTS")]
    [InlineData("Urls")]
    [InlineData("--urls")]
    public async Task Api_ListensWhereTheStandardSettingSays(string form)
    {
        var ports = EmbeddedPorts.Free();
        var url = $"http://127.0.0.1:{ports.Http}";
        var environment = new Dictionary<string, string?> { ["Urls"] = null };
        string[] arguments = [];
        switch (form)
        {
            case "ASPNETCORE_HTTP_PORTS":
                environment[form] = ports.Http.ToString(System.Globalization.CultureInfo.InvariantCulture);
                break;
            case "--urls":
                arguments = ["--urls", url];
                break;
            default:
                environment[form] = url;
                break;
        }

        await using var api = HostProcess.StartEmbeddedApi(ports, _directory, environment, arguments);
        await api.WaitUntilRunningAsync();

        Assert.Equal(HttpStatusCode.OK, (await api.Http.GetAsync("/alive")).StatusCode);
        Assert.Contains($"API        {url}", api.Output);
    }

    [SkippableFact]
    public async Task Api_WithNothingConfigured_ListensOnItsLoopbackDefault()
    {
        Skip.IfNot(TestServers.IsFree(5080), "port 5080, the Api's default, is taken on this machine");
        var ports = EmbeddedPorts.Free() with { Http = 5080 };
        await using var api = HostProcess.StartEmbeddedApi(ports, _directory, new Dictionary<string, string?> { ["Urls"] = null });
        await api.WaitUntilRunningAsync();

        Assert.Equal(HttpStatusCode.OK, (await api.Http.GetAsync("/alive")).StatusCode);
        Assert.Contains("API        http://127.0.0.1:5080", api.Output);
    }

    [SkippableFact]
    public async Task Silo_ListensOnAspNetCoreHttpPorts_AsInItsContainerImage()
    {
        var postgres = TestServers.RequirePostgres();
        var http = TestServers.FreePort();
        var cluster = "urls-" + Guid.NewGuid().ToString("N")[..8];
        var schema = cluster.Replace('-', '_');
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(postgres);
        try
        {
            await using var silo = HostProcess.Start("Silo", _directory, new Dictionary<string, string?>
            {
                ["ConnectionStrings__Redis"] = TestServers.Redis,
                ["ConnectionStrings__Postgres"] = postgres,
                ["Clicks__Postgres__Schema"] = schema,
                ["Orleans__ClusterId"] = cluster,
                ["Orleans__ServiceId"] = cluster,
                ["Orleans__Endpoints__SiloPort"] = TestServers.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Orleans__Endpoints__GatewayPort"] = TestServers.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Urls"] = null,
                ["ASPNETCORE_HTTP_PORTS"] = http.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }, http);

            var alive = await Poll.UntilAsync(async () =>
            {
                try
                {
                    return (await silo.Http.GetAsync("/alive")).StatusCode;
                }
                catch (HttpRequestException)
                {
                    return HttpStatusCode.ServiceUnavailable;
                }
            }, status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(90));

            Assert.True(alive == HttpStatusCode.OK, silo.Output);
        }
        finally
        {
            await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
