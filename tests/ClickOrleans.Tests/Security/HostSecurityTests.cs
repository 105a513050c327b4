using System.Text.Json;
using System.Net;
using ClickOrleans.Tests.Infrastructure;

namespace ClickOrleans.Tests.Security;

/// <summary>The start-up rules of each mode, and what must never be printed, checked on real processes.</summary>
// Host processes with servers of their own (embedded mode) or none: .ci/run runs them once, not against every Redis.
[Trait("Category", "Hosts")]
public sealed class HostSecurityTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("clickorleans-security-").FullName;
    private readonly EmbeddedPorts _ports = EmbeddedPorts.Free();

    [Fact]
    public async Task ClusterModeApi_WithoutKeys_RefusesToStart_UnlessAnonymousIsAllowed()
    {
        await using var api = HostProcess.Start("Api", _directory, new Dictionary<string, string?>
        {
            ["ConnectionStrings__Redis"] = TestServers.Redis,
            ["Api__AllowAnonymous"] = null,
        });

        var exitCode = await api.WaitForExitAsync();

        Assert.Equal(1, exitCode);
        Assert.Contains("Api:Keys is empty", api.Output);
        Assert.Contains("Api:AllowAnonymous=true", api.Output);
    }

    [Fact]
    public async Task EmbeddedApi_WithoutKeys_ListensOnLoopbackOnly_AndWarns()
    {
        await using var api = HostProcess.StartEmbeddedApi(_ports, _directory, new Dictionary<string, string?>
        {
            ["Urls"] = $"http://0.0.0.0:{_ports.Http}",
        });
        await api.WaitUntilRunningAsync();

        Assert.Contains($"API        http://127.0.0.1:{_ports.Http}", api.Output);
        Assert.Contains("No API keys are configured", api.Output);
        Assert.Equal(HttpStatusCode.OK, (await api.Http.GetAsync("/alive")).StatusCode);
    }

    /// <summary>DNS rebinding: a page's own name pointed at 127.0.0.1 reaches the Api with that name as its Host.</summary>
    [Fact]
    public async Task EmbeddedApi_WithoutKeys_AnswersOnlyRequestsForLoopbackNames()
    {
        await using var api = HostProcess.StartEmbeddedApi(_ports, _directory);
        await api.WaitUntilRunningAsync();

        using var rebound = new HttpRequestMessage(HttpMethod.Get, "/stats") { Headers = { Host = $"attacker.example:{_ports.Http}" } };
        using var local = new HttpRequestMessage(HttpMethod.Get, "/stats") { Headers = { Host = $"localhost:{_ports.Http}" } };

        Assert.Equal(HttpStatusCode.BadRequest, (await api.Http.SendAsync(rebound)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Http.SendAsync(local)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Http.GetAsync("/stats")).StatusCode);
    }

    /// <summary>
    /// Behind a proxy every client has the proxy's address: with it in Api:KnownProxies, each forwarded client gets a
    /// rate bucket of its own; from an address not listed, X-Forwarded-For is ignored and the clients share one.
    /// </summary>
    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("192.0.2.1", true)]
    public async Task RateLimits_PartitionByForwardedClient_OnlyFromAKnownProxy(string knownProxy, bool shared)
    {
        await using var api = HostProcess.StartEmbeddedApi(_ports, _directory, new Dictionary<string, string?>
        {
            ["Api__RequestsPerSecond"] = "1",
            ["Api__Burst"] = "2",
            ["Api__KnownProxies__0"] = knownProxy,
        });
        await api.WaitUntilRunningAsync();

        var first = await SendAsAsync(api, "198.51.100.7", 5);
        var second = await SendAsAsync(api, "198.51.100.8", 2); // within a fresh bucket's burst

        Assert.Contains(HttpStatusCode.TooManyRequests, first);
        Assert.Equal(shared, second.Contains(HttpStatusCode.TooManyRequests));
    }

    private static async Task<List<HttpStatusCode>> SendAsAsync(HostProcess api, string client, int requests)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < requests; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/stats") { Headers = { { "X-Forwarded-For", client } } };
            statuses.Add((await api.Http.SendAsync(request)).StatusCode);
        }

        return statuses;
    }

    [Fact]
    public async Task EmbeddedApi_WithoutKeys_BoundByKestrelEndpointsToEveryInterface_StopsAtStart()
    {
        await using var api = HostProcess.StartEmbeddedApi(_ports, _directory, new Dictionary<string, string?>
        {
            ["Kestrel__Endpoints__Http__Url"] = $"http://0.0.0.0:{_ports.Http}",
        });

        var exitCode = await api.WaitForExitAsync();

        Assert.Equal(1, exitCode);
        Assert.Contains($"The Api without keys (Api:Keys) is bound to http://0.0.0.0:{_ports.Http}, which is not loopback: stopped", api.Output);
    }

    [Fact]
    public async Task ApiStartedWithKeys_WhoseKeysFileIsRemoved_DeniesEveryone_AndLogsAnError()
    {
        const string adminKey = "admin-key-3c9e51d8";
        var settings = Path.Combine(_directory, "appsettings.json");
        await File.WriteAllTextAsync(settings, JsonSerializer.Serialize(new { Api = new { Keys = new[] { new { Name = "operator", Key = adminKey, Scopes = new[] { "admin" } } } } }));
        await using var api = HostProcess.StartEmbeddedApi(_ports, _directory);
        await api.WaitUntilRunningAsync();
        Assert.Equal(HttpStatusCode.OK, (await Get(api, "/stats", adminKey)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Http.GetAsync("/stats")).StatusCode);

        File.Delete(settings);
        var revoked = await Poll.UntilAsync(() => Get(api, "/stats", adminKey), response => response.StatusCode != HttpStatusCode.OK, TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Http.GetAsync("/stats")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Http.DeleteAsync("/admin/dead-letters")).StatusCode);
        await api.WaitForOutputAsync("Api:Keys no longer holds any key");
    }

    [Fact]
    public async Task EmbeddedDashboard_WithKeys_NeedsTheAdminScope()
    {
        await using var api = HostProcess.StartEmbeddedApi(_ports, _directory, new Dictionary<string, string?>
        {
            ["Api__Keys__0__Name"] = "operator",
            ["Api__Keys__0__Key"] = "dashboard-admin-key",
            ["Api__Keys__0__Scopes__0"] = "admin",
            ["Api__Keys__1__Name"] = "analyst",
            ["Api__Keys__1__Key"] = "dashboard-read-key",
            ["Api__Keys__1__Scopes__0"] = "read",
        });
        await api.WaitUntilRunningAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Http.GetAsync("/dashboard/")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Get(api, "/dashboard/", "dashboard-read-key")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Get(api, "/dashboard/", "dashboard-admin-key")).StatusCode);
        Assert.DoesNotContain("No API keys are configured", api.Output);
    }

    [Fact]
    public async Task SecretsInConnectionStringsAndKeys_NeverReachTheOutput()
    {
        const string redisPassword = "redis-pw-7f3a9c";
        const string postgresPassword = "pg-pw-2b8e41";
        const string apiKey = "api-key-e5d0c6b2f1";
        const string wrongKey = "wrong-key-a19f55";
        var redis = TestServers.Redis;
        await using var silo = HostProcess.Start("Silo", _directory, new Dictionary<string, string?>
        {
            ["ConnectionStrings__Redis"] = $"{redis},password={redisPassword}",
            ["ConnectionStrings__Postgres"] = $"Host=127.0.0.1;Port=1;Username=clicks;Password={postgresPassword}",
            ["Logging__LogLevel__Default"] = "Debug",
            ["Urls"] = $"http://127.0.0.1:{_ports.Http}",
        });
        await using var api = HostProcess.StartEmbeddedApi(EmbeddedPorts.Free(), Directory.CreateTempSubdirectory("clickorleans-security-").FullName, new Dictionary<string, string?>
        {
            ["Api__Keys__0__Name"] = "shop",
            ["Api__Keys__0__Key"] = apiKey,
            ["Api__Keys__0__Scopes__0"] = "ingest",
            ["Logging__LogLevel__Default"] = "Debug",
        });
        await api.WaitUntilRunningAsync();

        await Post(api, apiKey);
        await Post(api, wrongKey);
        // The sink is unreachable, so the silo logs its way through failing to start, then exits.
        await silo.WaitForExitAsync();
        Assert.Contains("Failed to connect to 127.0.0.1:1", silo.Output);

        foreach (var secret in new[] { redisPassword, postgresPassword })
        {
            Assert.DoesNotContain(secret, silo.Output);
        }

        foreach (var secret in new[] { apiKey, wrongKey })
        {
            Assert.DoesNotContain(secret, api.Output);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Task<HttpResponseMessage> Get(HostProcess host, string path, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Api-Key", key);
        return host.Http.SendAsync(request);
    }

    private static Task<HttpResponseMessage> Post(HostProcess host, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/clicks")
        {
            Content = new StringContent("""{"uid":1,"pid":2}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Api-Key", key);
        return host.Http.SendAsync(request);
    }
}
