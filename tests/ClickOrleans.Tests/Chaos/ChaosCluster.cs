using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ClickOrleans.Tests.Infrastructure;
using Npgsql;
using StackExchange.Redis;

namespace ClickOrleans.Tests.Chaos;

/// <summary>
/// A cluster of real processes on loopback: a private redis-server (AOF, fsync always) that can be restarted,
/// PostgreSQL behind a proxy that can be cut, silo processes that can be killed with SIGKILL, and the Api.
/// Silos detect a dead peer in about a second (Orleans:Membership:* tuned for tests).
/// </summary>
public sealed class ChaosCluster : IAsyncDisposable
{
    private readonly string _id = Guid.NewGuid().ToString("N")[..10];
    private readonly string _directory = Directory.CreateTempSubdirectory("clickorleans-chaos-").FullName;
    private readonly int _redisPort = TestServers.FreePort();
    private readonly HostProcess?[] _silos;
    private readonly (int Silo, int Gateway, int Http)[] _siloPorts;
    private readonly string _postgres;
    private Process? _redis;
    private HostProcess? _api;
    private ConnectionMultiplexer? _redisClient;

    private readonly IReadOnlyDictionary<string, string?> _siloSettings;
    private readonly int _shards;
    private string? _redisMaxMemory;
    private bool _npgsqlDefaultTimeouts;
    private IReadOnlyDictionary<string, string?> _apiSettings = new Dictionary<string, string?>();
    private Isolated _isolated = new();

    /// <summary>Which hosts run as <see cref="Firewall.IsolatedUser"/>.</summary>
    /// <param name="Silo">The index of a silo that runs as that user.</param>
    /// <param name="Api">Whether the Api runs as that user.</param>
    public sealed record Isolated(int? Silo = null, bool Api = false);

    /// <summary>Orleans' silo-to-silo port of silo <paramref name="index"/>.</summary>
    public int SiloPort(int index) => _siloPorts[index].Silo;

    /// <summary>The client gateway ports of every silo.</summary>
    public IEnumerable<int> GatewayPorts => _siloPorts.Select(ports => ports.Gateway);

    /// <summary>Whether silo <paramref name="index"/> is running (Orleans stops a silo the others declared dead).</summary>
    public bool IsRunning(int index) => _silos[index]?.HasExited == false;

    private ChaosCluster(int silos, string postgres, IReadOnlyDictionary<string, string?> siloSettings, int shards)
    {
        _siloSettings = siloSettings;
        _shards = shards;
        _silos = new HostProcess?[silos];
        _siloPorts = Enumerable.Range(0, silos).Select(_ => (TestServers.FreePort(), TestServers.FreePort(), TestServers.FreePort())).ToArray();
        _postgres = postgres;
        PostgresProxy = new TcpProxy(PostgresEndpoint(postgres));
    }

    public string StagingKey => $"chaos-{_id}-staging";

    public string Schema => $"chaos_{_id}";

    public TcpProxy PostgresProxy { get; }

    public HttpClient Api => _api!.Http;

    public IDatabase Redis => _redisClient!.GetDatabase();

    public int SiloCount => _silos.Length;

    /// <summary>The Redis Cluster the hosts use instead of the single redis-server, when started with one.</summary>
    public RedisClusterNodes? RedisCluster { get; private set; }

    /// <summary>Skips (fails under CI) without a redis-server binary or PostgreSQL.</summary>
    /// <param name="siloSettings">Settings of every silo over the cluster's own (environment variable names).</param>
    /// <param name="redisCluster">Stage on a Redis Cluster of its own (3 masters, 3 replicas) instead of one redis-server.</param>
    /// <param name="shards">Clicks:Shards of every host.</param>
    /// <param name="apiSettings">Settings of the Api over the cluster's own.</param>
    /// <param name="redisMaxMemory">redis-server's maxmemory (noeviction: writes fail with OOM past it), e.g. "64mb".</param>
    /// <param name="isolated">Hosts that run as <see cref="Firewall.IsolatedUser"/>, so that a <see cref="Firewall"/> can cut them off.</param>
    /// <param name="npgsqlDefaultTimeouts">Npgsql's own connect and command timeouts (15 s, 30 s) instead of the cluster's short ones (3 s, 10 s).</param>
    public static async Task<ChaosCluster> StartAsync(
        int silos, IReadOnlyDictionary<string, string?>? siloSettings = null, bool redisCluster = false, int shards = 1,
        IReadOnlyDictionary<string, string?>? apiSettings = null, string? redisMaxMemory = null, Isolated? isolated = null,
        bool npgsqlDefaultTimeouts = false)
    {
        var postgres = TestServers.RequirePostgres();
        if (!File.Exists("/usr/bin/redis-server"))
        {
            const string reason = "the chaos tests restart their own redis-server: install it (apt-get install redis-server)";
            throw TestServers.IsCi ? new InvalidOperationException(reason) : new SkipException(reason);
        }

        var cluster = new ChaosCluster(silos, postgres, siloSettings ?? new Dictionary<string, string?>(), shards)
        {
            _redisMaxMemory = redisMaxMemory,
            _npgsqlDefaultTimeouts = npgsqlDefaultTimeouts,
            _isolated = isolated ?? new Isolated(),
        };
        if ((cluster._isolated.Silo is not null || cluster._isolated.Api) && !OperatingSystem.IsWindows())
        {
            // The isolated user must reach the working directory, and have a home to write to.
            File.SetUnixFileMode(cluster._directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            var home = Directory.CreateDirectory(Path.Combine(cluster._directory, "isolated-home")).FullName;
            File.SetUnixFileMode(home, (UnixFileMode)0b111_111_111);
        }

        // Whatever fails on the way, nothing started stays behind: a leaked silo or Redis would load later tests.
        try
        {
            if (redisCluster)
            {
                cluster.RedisCluster = await RedisClusterNodes.StartAsync(cluster._directory);
                cluster._redisClient = await ConnectionMultiplexer.ConnectAsync(cluster.RedisCluster.Seeds + ",abortConnect=false");
            }
            else
            {
                await cluster.StartRedisAsync();
            }

            for (var i = 0; i < silos; i++)
            {
                cluster.StartSilo(i);
            }

            for (var i = 0; i < silos; i++)
            {
                await cluster.WaitHealthyAsync(i);
            }

            cluster._apiSettings = apiSettings ?? new Dictionary<string, string?>();
            cluster.StartApi(cluster._apiSettings);
            await cluster._api!.WaitUntilRunningAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    public void StartSilo(int index)
    {
        var (silo, gateway, http) = _siloPorts[index];
        var sinkBuilder = new NpgsqlConnectionStringBuilder(_postgres) { Host = "127.0.0.1", Port = int.Parse(PostgresProxy.Endpoint.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture) };
        if (!_npgsqlDefaultTimeouts)
        {
            (sinkBuilder.Timeout, sinkBuilder.CommandTimeout) = (3, 10);
        }

        var settings = new Dictionary<string, string?>(Common)
        {
            ["ConnectionStrings__Postgres"] = sinkBuilder.ConnectionString,
            ["Clicks__Postgres__Schema"] = Schema,
            ["Clicks__DrainPeriod"] = "00:00:02",
            ["Clicks__ChunkSize"] = "1000",
            ["Clicks__SizeCheckPeriod"] = "00:00:01",
            ["Orleans__SiloName"] = $"chaos-silo-{index}",
            ["Orleans__Endpoints__SiloPort"] = silo.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__GatewayPort"] = gateway.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__Membership__ProbeTimeout"] = "00:00:01",
            ["Orleans__Membership__NumMissedProbesLimit"] = "2",
            ["Orleans__Membership__NumVotesForDeathDeclaration"] = "1",
            ["Urls"] = $"http://127.0.0.1:{http}",
        };
        foreach (var (key, value) in _siloSettings)
        {
            settings[key] = value;
        }

        var isolated = _isolated.Silo == index;
        if (isolated)
        {
            settings["HOME"] = Path.Combine(_directory, "isolated-home");
        }

        _silos[index] = HostProcess.Start("Silo", _directory, settings, http, isolated ? Firewall.IsolatedUser : null);
    }

    public async Task WaitHealthyAsync(int index)
    {
        var healthy = await Poll.UntilAsync(async () =>
        {
            try
            {
                return (await _silos[index]!.Http.GetAsync("/health")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, ok => ok, TimeSpan.FromSeconds(90));
        Assert.True(healthy, $"silo {index} did not become healthy:\n{_silos[index]!.Output}");
    }

    /// <summary>A silo's readiness as an orchestrator reads it: whether <c>/health</c> answers 2xx, and its report.</summary>
    public async Task<(bool Healthy, string Report)> SiloHealthAsync(int index)
    {
        var response = await _silos[index]!.Http.GetAsync("/health");
        return (response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A new Api process in place of the running one (new connections), with the same settings.</summary>
    public async Task RestartApiAsync()
    {
        await _api!.DisposeAsync();
        StartApi(_apiSettings);
        await _api!.WaitUntilRunningAsync();
    }

    /// <summary>SIGKILL: no shutdown code runs, membership learns of it by probing.</summary>
    public Task KillSiloAsync(int index) => _silos[index]!.KillAsync();

    /// <summary>The staging key of every shard of the cluster's stream.</summary>
    public IReadOnlyList<string> ShardKeys => [.. Enumerable.Range(0, _shards).Select(shard => ClickOrleans.Staging.StagingStream.ShardKey(StagingKey, shard))];

    /// <summary>The silo that logged the most starts of a drain of this cluster's staging list (or of the shard <paramref name="shardKey"/>); -1 before any.</summary>
    public int AggregatorHost(string? shardKey = null)
    {
        var marker = $"Draining {shardKey ?? StagingKey} (";
        return Enumerable.Range(0, _silos.Length)
            .Select(i => (Index: i, Count: _silos[i] is { } silo ? CountOf(silo.Output, marker) : 0))
            .Where(silo => silo.Count > 0)
            .OrderByDescending(silo => silo.Count)
            .Select(silo => silo.Index)
            .DefaultIfEmpty(-1)
            .First();
    }

    public string SiloOutput(int index) => _silos[index]!.Output;

    public bool SiloHasExited(int index) => _silos[index]!.HasExited;

    /// <summary>kill -9 of redis-server; its AOF (fsync always) holds every acknowledged push.</summary>
    public async Task KillRedisAsync()
    {
        _redis!.Kill();
        await _redis.WaitForExitAsync();
    }

    public Task StartRedisAsync() => StartRedisCoreAsync();

    /// <param name="stream">A declared stream's name; null: the clicks stream.</param>
    public async Task<AggregatorStats?> StatsAsync(string? stream = null)
    {
        try
        {
            return await Api.GetFromJsonAsync<AggregatorStats>(stream is null ? "/stats" : $"/streams/{stream}/stats", JsonSerializerOptions.Web);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Asks for drains until nothing waits: no backlog, no private list.</summary>
    /// <param name="stream">A declared stream's name; null: the clicks stream.</param>
    public async Task DrainEverythingAsync(string? stream = null)
    {
        var drained = await Poll.UntilAsync(async () =>
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await Api.PostAsync(stream is null ? "/admin/drain" : $"/admin/streams/{stream}/drain", null, cancel.Token);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }

            return await StatsAsync(stream) is { Backlog: 0, PrivateLists.Length: 0 };
        }, done => done, TimeSpan.FromSeconds(180));
        Assert.True(drained, "the cluster did not drain everything");
    }

    /// <summary>The event id of every row in the sink (a click written twice appears twice), and the rollups' total.</summary>
    public async Task<(List<string> Ids, long RollupTotal)> SinkAsync()
    {
        await using var connection = new NpgsqlConnection(_postgres);
        await connection.OpenAsync();
        var ids = new List<string>();
        await using (var command = new NpgsqlCommand($"SELECT coalesce(client_id, replace(event_id::text, '-', '')) FROM {Schema}.clicks", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetString(0));
            }
        }

        await using var rollup = new NpgsqlCommand($"SELECT coalesce(sum(clicks), 0)::bigint FROM {Schema}.product_clicks_minute", connection);
        return (ids, (long)(await rollup.ExecuteScalarAsync())!);
    }

    public async ValueTask DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }

        foreach (var silo in _silos)
        {
            if (silo is not null)
            {
                await silo.DisposeAsync();
            }
        }

        _redisClient?.Dispose();
        if (RedisCluster is not null)
        {
            await RedisCluster.DisposeAsync();
        }

        if (_redis is { HasExited: false })
        {
            _redis.Kill();
            await _redis.WaitForExitAsync();
        }

        _redis?.Dispose();
        await PostgresProxy.DisposeAsync();
        await using (var connection = new NpgsqlConnection(_postgres))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private Dictionary<string, string?> Common => new()
    {
        ["ConnectionStrings__Redis"] = RedisCluster?.Seeds ?? $"127.0.0.1:{_redisPort}",
        ["Clicks__Shards"] = _shards.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ConnectionStrings__Postgres"] = null,
        ["Clicks__StagingKey"] = StagingKey,
        ["Orleans__ClusterId"] = $"chaos-{_id}",
        ["Orleans__ServiceId"] = $"chaos-{_id}",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__ClickOrleans"] = "Information",
    };

    private void StartApi(IReadOnlyDictionary<string, string?> apiSettings)
    {
        var http = TestServers.FreePort();
        var settings = new Dictionary<string, string?>(Common)
        {
            ["Api__AllowAnonymous"] = "true",
            ["Api__RequestsPerSecond"] = "0",
            ["Urls"] = $"http://127.0.0.1:{http}",
        };
        foreach (var (key, value) in apiSettings)
        {
            settings[key] = value;
        }

        if (_isolated.Api)
        {
            settings["HOME"] = Path.Combine(_directory, "isolated-home");
        }

        _api = HostProcess.Start("Api", _directory, settings, http, _isolated.Api ? Firewall.IsolatedUser : null);
    }

    private async Task StartRedisCoreAsync()
    {
        var start = new ProcessStartInfo("redis-server",
        [
            "--port", _redisPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--dir", _directory, "--appendonly", "yes", "--appendfsync", "always", "--save", "",
            .. _redisMaxMemory is null ? Array.Empty<string>() : ["--maxmemory", _redisMaxMemory, "--maxmemory-policy", "noeviction"],
        ])
        {
            RedirectStandardOutput = true,
        };
        _redis = Process.Start(start)!;
        _redis.BeginOutputReadLine();
        var up = await Poll.UntilAsync(async () =>
        {
            try
            {
                _redisClient ??= await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{_redisPort},abortConnect=false,allowAdmin=true");
                await _redisClient.GetDatabase().PingAsync();
                return true;
            }
            catch (RedisException)
            {
                return false;
            }
        }, ok => ok, TimeSpan.FromSeconds(30));
        Assert.True(up, "redis-server did not start");
    }

    private static string PostgresEndpoint(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var host = builder.Host is null or "localhost" ? "127.0.0.1" : builder.Host;
        return $"{host}:{builder.Port}";
    }

    private static int CountOf(string text, string marker)
    {
        var count = 0;
        for (var at = text.IndexOf(marker, StringComparison.Ordinal); at >= 0; at = text.IndexOf(marker, at + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
