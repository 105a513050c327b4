using Microsoft.Extensions.Options;
using ClickOrleans.Sinks.Sqlite;
using ClickOrleans.Sinks.Postgres;
using ClickOrleans.Sinks;
using ClickOrleans.Queries;
using ClickOrleans.Hosting;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.TestingHost;
using StackExchange.Redis;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>
/// An Orleans test cluster wired exactly as production (Redis clustering and reminders, the real pipeline and
/// sink), with small chunks so that drains have many of them. Tests isolate themselves by staging key, uid and pid.
/// </summary>
public abstract class ClusterFixture : IAsyncLifetime
{
    public const int ChunkSize = 100;
    public const int Partitions = 4;
    public const int FlushSize = 2500;

    private TestCluster? _cluster;
    private ConnectionMultiplexer? _redis;

    public string ClusterId { get; } = "test-" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>The staging key the silos schedule a reminder for (every two seconds); other keys drain only when asked.</summary>
    public string ScheduledStagingKey => ClusterId + "-scheduled-staging";

    public IGrainFactory Grains => (_cluster ?? throw Unavailable()).Client;

    public IDatabase Redis => (_redis ?? throw Unavailable()).GetDatabase();

    public abstract SinkProbe Probe { get; }

    /// <summary>The sink's reads, as the silos make them (schema versions among them).</summary>
    public abstract ISinkQueries Queries { get; }

    /// <summary>The stream's schema versions, as a silo of the cluster resolves them.</summary>
    public SchemaVersions Versions => new(Streams, Queries);

    /// <summary>The streams the cluster's silos and Apis run (<see cref="ClientSettings"/>).</summary>
    public StreamCatalog Streams => StreamCatalog.From(new ConfigurationBuilder().AddInMemoryCollection(ClientSettings).Build(), new ClickOptions());

    /// <summary>Settings an Api must have to be a client of this cluster.</summary>
    public IReadOnlyDictionary<string, string?> ClientSettings => new Dictionary<string, string?>
    {
        ["ConnectionStrings:Redis"] = TestServers.Redis,
        ["Orleans:ClusterId"] = ClusterId,
        ["Orleans:ServiceId"] = ClusterId,
        ["Api:AllowAnonymous"] = "true",
        // A declared stream beside clicks (the README's example), on a staging key of this cluster's own.
        ["Streams:orders:StagingKey"] = OrdersStagingKey,
        ["Streams:page_views:StagingKey"] = PageViewsStagingKey,
        // Orders go to the store and to the Parquet archive, in a lake of this cluster's own.
        ["Streams:orders:Sinks:0"] = Probe.Sink,
        ["Streams:orders:Sinks:1"] = "parquet",
        ["Parquet:Directory"] = Lake,
        // No compaction: a pass between a drain and a test's read would show a merged hour's rows twice for its
        // milliseconds (ArchiveCompactionTests and ArchiveChaosTests test it).
        ["Parquet:CompactionPeriod"] = "00:00:00",
    }.Concat(Orders).Concat(PageViews).Concat(Retention).ToDictionary();

    /// <summary>
    /// On PostgreSQL, page views have a retention, so their table is partitioned by day; the longest there is, so that
    /// no test's past is dropped (RetentionTests test the drops).
    /// </summary>
    private Dictionary<string, string?> Retention => Probe.Sink == StreamSinks.Postgres ? new() { ["Streams:page_views:Retention"] = "P36500D" } : [];

    /// <summary>The Parquet archive's directory (<c>Parquet:Directory</c>), deleted with the cluster.</summary>
    public string Lake => Path.Combine(Path.GetTempPath(), ClusterId + "-lake");

    /// <summary>
    /// A second declared stream, which keeps the properties its schema does not name (<c>Extra: Keep</c>) and has drain
    /// settings of its own.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> PageViews { get; } = new Dictionary<string, string?>
    {
        ["Streams:page_views:Fields:path:Type"] = "string",
        ["Streams:page_views:Fields:path:Required"] = "true",
        ["Streams:page_views:Fields:duration_ms:Type"] = "int64",
        ["Streams:page_views:Fields:duration_ms:Min"] = "0",
        ["Streams:page_views:Fields:visitor:Type"] = "string",
        ["Streams:page_views:Extra"] = "Keep",
        ["Streams:page_views:Rollups:per_path_hour:Bucket"] = "PT1H",
        ["Streams:page_views:Rollups:per_path_hour:By"] = "path",
        ["Streams:page_views:Rollups:per_path_hour:CountDistinct"] = "visitor",
        // Settings of its own: drained by size (10 elements) long before its hourly reminder.
        ["Streams:page_views:FlushSize"] = "10",
        ["Streams:page_views:DrainPeriod"] = "01:00:00",
        ["Streams:page_views:ChunkSize"] = "7",
        ["Streams:page_views:Partitions"] = "2",
    };

    /// <summary>The staging key of the declared <c>page_views</c> stream (<see cref="ClientSettings"/>).</summary>
    public string PageViewsStagingKey => ClusterId + "-page-views";

    /// <summary>The declared <c>orders</c> stream, as the README's Streams section declares it (its staging key aside).</summary>
    public static IReadOnlyDictionary<string, string?> Orders { get; } = new Dictionary<string, string?>
    {
        ["Streams:orders:Fields:customer:Type"] = "string",
        ["Streams:orders:Fields:customer:Required"] = "true",
        ["Streams:orders:Fields:customer:MaxLength"] = "64",
        ["Streams:orders:Fields:total:Type"] = "float64",
        ["Streams:orders:Fields:total:Required"] = "true",
        ["Streams:orders:Fields:total:Min"] = "0",
        ["Streams:orders:Fields:quantity:Type"] = "int64",
        ["Streams:orders:Fields:quantity:Min"] = "1",
        ["Streams:orders:Fields:paid:Type"] = "bool",
        ["Streams:orders:Fields:placed_at:Type"] = "timestamp",
        ["Streams:orders:Fields:voucher:Type"] = "uuid",
        ["Streams:orders:Fields:wrapping_fee:Type"] = "decimal",
        ["Streams:orders:Fields:wrapping_fee:Precision"] = "6",
        ["Streams:orders:Fields:wrapping_fee:Scale"] = "2",
        ["Streams:orders:Fields:wrapping_fee:Min"] = "0",
        ["Streams:orders:Rollups:per_customer_hour:Bucket"] = "PT1H",
        ["Streams:orders:Rollups:per_customer_hour:By:0"] = "customer",
        ["Streams:orders:Rollups:per_customer_hour:Sum:0"] = "total",
        ["Streams:orders:Rollups:per_customer_hour:Sum:1"] = "quantity",
        ["Streams:orders:Indexes:by_customer:Fields:0"] = "customer",
    };

    /// <summary>The staging key of the declared <c>orders</c> stream (<see cref="ClientSettings"/>), drained every two seconds.</summary>
    public string OrdersStagingKey => ClusterId + "-orders";

    /// <summary>The real Api as a client of this cluster, staging on <paramref name="stagingKey"/>.</summary>
    public ApiFactory Api(string stagingKey, params (string Key, string Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>(ClientSettings) { ["Clicks:StagingKey"] = stagingKey };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        return new ApiFactory(settings);
    }

    /// <summary>The aggregator of a test's staging key (its only shard, or the unsharded key).</summary>
    public IAggregatorGrain Aggregator(TestData data) => Grains.GetGrain<IAggregatorGrain>(data.StagingKey);

    /// <summary>The staging lists of a test's stream: its staging key and, with Clicks__Shards, its shards.</summary>
    public IReadOnlyList<StagingKeys> Shards(string stagingKey) =>
        new StagingStream(new ClickOptions { StagingKey = stagingKey, Shards = TestServers.Shards }).Shards;

    /// <summary>How many elements wait on the stream's staging lists, every shard together.</summary>
    public async Task<long> StagedCountAsync(string stagingKey) =>
        (await Task.WhenAll(Shards(stagingKey).Select(shard => Redis.ListLengthAsync(shard.Staging)))).Sum();

    /// <summary>The elements waiting on the stream's staging lists, shard by shard.</summary>
    public async Task<RedisValue[]> StagedAsync(string stagingKey) =>
        [.. (await Task.WhenAll(Shards(stagingKey).Select(shard => Redis.ListRangeAsync(shard.Staging)))).SelectMany(elements => elements)];

    /// <summary>Drains every shard of the stream, as <c>POST /admin/drain</c> does.</summary>
    public Task DrainStreamAsync(string stagingKey) =>
        Task.WhenAll(Shards(stagingKey).Select(shard => Grains.GetGrain<IAggregatorGrain>(shard.Staging!).Drain()));

    /// <summary>Skips (or, under CI, fails) the calling test when the sink's server is not available.</summary>
    public virtual void Require()
    {
    }

    public async Task InitializeAsync()
    {
        if (!IsAvailable)
        {
            return;
        }

        await PrepareSinkAsync();
        var settings = new Dictionary<string, string?>(ClientSettings)
        {
            ["Clicks:StagingKey"] = ScheduledStagingKey,
            ["Clicks:DrainPeriod"] = "00:00:02",
            ["Clicks:ChunkSize"] = ChunkSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Clicks:Partitions"] = Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Above every other test's backlog, so only the flush tests see the size check drain on its own.
            ["Clicks:FlushSize"] = FlushSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Clicks:SizeCheckPeriod"] = "00:00:00.500",
            ["Clicks:Shards"] = TestServers.Shards.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in SinkSettings)
        {
            settings[key] = value;
        }

        var builder = new TestClusterBuilder(1);
        builder.Options.ClusterId = ClusterId;
        builder.Options.ServiceId = ClusterId;
        builder.Options.UseTestClusterMembership = false;
        // A real gateway socket, so that an Api started by the test can join as a client.
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        builder.ConfigureHostConfiguration(configuration => configuration.AddInMemoryCollection(settings));
        builder.AddSiloBuilderConfigurator<PipelineSiloConfigurator>();
        builder.AddClientBuilderConfigurator<RedisClusteringClientConfigurator>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        _redis = await ConnectionMultiplexer.ConnectAsync(TestServers.Redis + ",allowAdmin=true");
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        _redis?.Dispose();
        await CleanUpSinkAsync();
        if (Directory.Exists(Lake))
        {
            Directory.Delete(Lake, recursive: true);
        }
    }

    protected virtual bool IsAvailable => true;

    protected abstract IEnumerable<KeyValuePair<string, string?>> SinkSettings { get; }

    protected virtual Task PrepareSinkAsync() => Task.CompletedTask;

    protected abstract Task CleanUpSinkAsync();

    private sealed class PipelineSiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddClickPipeline(siloBuilder.Configuration);
    }

    private sealed class RedisClusteringClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.UseRedisClustering(configuration.GetConnectionString("Redis")!);
    }

    private static InvalidOperationException Unavailable() => new("The test cluster did not start; see Require().");
}

public sealed class SqliteClusterFixture : ClusterFixture
{
    private readonly string _directory = Directory.CreateTempSubdirectory("clickorleans-test-").FullName;

    private string DatabasePath => Path.Combine(_directory, "clicks.db");

    public override SinkProbe Probe => new SqliteSinkProbe(DatabasePath);

    public override ISinkQueries Queries => new SqliteSinkQueries(Options.Create(new SqliteSinkOptions { Path = DatabasePath }));

    protected override IEnumerable<KeyValuePair<string, string?>> SinkSettings =>
        [new("Clicks:Sqlite:Path", DatabasePath)];

    protected override Task CleanUpSinkAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class PostgresClusterFixture : ClusterFixture
{
    private readonly string _schema = "test_" + Guid.NewGuid().ToString("N")[..12];

    private Npgsql.NpgsqlDataSource? _dataSource;

    public override SinkProbe Probe => new PostgresSinkProbe(TestServers.Postgres!, _schema);

    public override ISinkQueries Queries =>
        new PostgresSinkQueries(_dataSource ??= Npgsql.NpgsqlDataSource.Create(TestServers.Postgres!), Options.Create(new PostgresSinkOptions { Schema = _schema }));

    public override void Require() => TestServers.RequirePostgres();

    protected override bool IsAvailable => TestServers.Postgres is not null;

    protected override IEnumerable<KeyValuePair<string, string?>> SinkSettings =>
    [
        new("ConnectionStrings:Postgres", TestServers.Postgres),
        new("Clicks:Postgres:Schema", _schema),
    ];

    protected override async Task CleanUpSinkAsync()
    {
        if (TestServers.Postgres is not { } postgres)
        {
            return;
        }

        await using var connection = new Npgsql.NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var drop = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SqliteClusterCollection : ICollectionFixture<SqliteClusterFixture>
{
    public const string Name = "SQLite cluster";
}

[CollectionDefinition(Name)]
public sealed class PostgresClusterCollection : ICollectionFixture<PostgresClusterFixture>
{
    public const string Name = "PostgreSQL cluster";
}
