using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using ClickOrleans.Tests.Infrastructure;
using StackExchange.Redis;

namespace ClickOrleans.Tests.Embedded;

/// <summary>
/// The zero-setup mode as a new user meets it: `dotnet run --project src/Api` with no connection strings starts
/// Garnet, a silo and the SQLite sink in one process.
/// </summary>
public sealed class EmbeddedModeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("clickorleans-embedded-").FullName;
    private readonly EmbeddedPorts _ports = EmbeddedPorts.Free();

    private SinkProbe Sink => new SqliteSinkProbe(Path.Combine(_directory, "data", "clicks.db"));

    [Fact]
    public async Task ReadmeCommand_StagesFromTheApiAndFromOtherProducers_AndDrainsIntoTheSqliteFile()
    {
        await using var api = HostProcess.StartEmbeddedApi(_ports, _directory);
        await api.WaitUntilRunningAsync();
        var data = new TestData();

        var batch = await api.Http.PostAsJsonAsync("/clicks/batch", Enumerable.Range(0, 100).Select(i => new { uid = data.Uid, pid = data.Pid(i) }));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await api.Http.PostAsJsonAsync("/clicks", new { uid = data.Uid, pid = data.Pid(i) })).StatusCode);
        }

        await using (var producer = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{_ports.Redis}"))
        {
            await producer.GetDatabase().ListLeftPushAsync(StagingDefaults.StagingKey, data.SeedElements(7));
        }

        var drain = await api.Http.PostAsync("/admin/drain", null);

        Assert.Equal(HttpStatusCode.Accepted, batch.StatusCode);
        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        Assert.Equal(112, (await drain.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("written").GetInt64());
        Assert.Equal(112, (await Sink.ClickIdsAsync(data.Uid)).Count);
        Assert.Equal(112, await Sink.MinuteClicksAsync(data.PidFrom, data.PidTo));
        Assert.Contains($"http://127.0.0.1:{_ports.Http}/dashboard", api.Output);
    }

    [Fact]
    public async Task ClicksAcceptedBeforeAKill9_AreDrainedAfterTheRestart()
    {
        var data = new TestData();
        await using (var first = HostProcess.StartEmbeddedApi(_ports, _directory))
        {
            await first.WaitUntilRunningAsync();
            for (var i = 0; i < 50; i++)
            {
                var response = await first.Http.PostAsJsonAsync("/clicks", new { uid = data.Uid, pid = data.Pid(i) });
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }

            await first.KillAsync();
        }

        await using var second = HostProcess.StartEmbeddedApi(_ports, _directory);
        await second.WaitUntilRunningAsync();
        var drain = await second.Http.PostAsync("/admin/drain", null);

        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        Assert.Equal(50, (await Sink.ClickIdsAsync(data.Uid)).Count);
    }

    [Fact]
    public async Task CtrlC_StopsEverythingCleanly()
    {
        await using var api = HostProcess.StartEmbeddedApi(_ports, _directory);
        await api.WaitUntilRunningAsync();

        var exitCode = await api.InterruptAsync();

        Assert.Equal(0, exitCode);
        Assert.DoesNotContain("Unhandled exception", api.Output);
        AssertPortIsFree(_ports.Redis);
        AssertPortIsFree(_ports.Http);
    }

    [Fact]
    public async Task TakenRedisPort_ExitsNonZero_NamingThePortAndTheSetting()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, _ports.Redis);
        squatter.Start();
        await using var api = HostProcess.StartEmbeddedApi(_ports, _directory);

        var exitCode = await api.WaitForExitAsync();

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"Port {_ports.Redis} is already in use", api.Output);
        Assert.Contains("Clicks:Embedded:RedisPort", api.Output);
    }

    [Fact]
    public async Task Dashboard_ServesItsPageAndClusterStats()
    {
        await using var api = HostProcess.StartEmbeddedApi(_ports, _directory);
        await api.WaitUntilRunningAsync();

        var page = await api.Http.GetAsync("/dashboard/");
        var stats = await api.Http.GetAsync("/dashboard/ClusterStats");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        Assert.Equal("application/json", stats.Content.Headers.ContentType?.MediaType);
        Assert.Equal(JsonValueKind.Object, (await stats.Content.ReadFromJsonAsync<JsonElement>()).ValueKind);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private static void AssertPortIsFree(int port)
    {
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
    }
}
