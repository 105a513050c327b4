using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using ClickOrleans.Api.Ingest;
using ClickOrleans.Drain;
using ClickOrleans.Sinks;
using ClickOrleans.Sinks.Postgres;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClickOrleans.Bench.Micro;

/// <summary>
/// The per-event hot paths, 10,000 events per operation (one drain chunk, one large batch): the clicks stream and a
/// declared stream of 10 fields (int64, decimal, float64, bool, string, timestamp) with a rollup of two dimensions.
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private const int Events = 10_000;
    private const string PrivateList = "{product-click-staging}:private:1795813560000";
    private static readonly ElementContext Context = new(ClickId.SeedOf(PrivateList), 1795813560000, 1795813860000);

    private readonly EventRules _clicks = new(ClickStream.Schema(new ClickOptions()));
    private EventRules _orders = null!;
    private ChunkElements _seedElements = null!;
    private ChunkElements _apiElements = null!;
    private ChunkElements _orderElements = null!;
    private byte[] _batchBody = [];
    private EventChunk _clickChunk = null!;
    private EventChunk _orderChunk = null!;
    private const string Schema = "bench_micro";
    private NpgsqlDataSource? _postgres;
    private PostgresEventSink? _sink;
    private EventBatch _committedChunk = null!;
    private EventBatch _chunk = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        var streams = StreamCatalog.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Streams:orders:Fields:a:Type"] = "int64",
            ["Streams:orders:Fields:b:Type"] = "int64",
            ["Streams:orders:Fields:c:Type"] = "int64",
            ["Streams:orders:Fields:c:Required"] = "true",
            ["Streams:orders:Fields:d:Type"] = "decimal",
            ["Streams:orders:Fields:d:Precision"] = "12",
            ["Streams:orders:Fields:d:Scale"] = "2",
            ["Streams:orders:Fields:e:Type"] = "float64",
            ["Streams:orders:Fields:f:Type"] = "bool",
            ["Streams:orders:Fields:g:Type"] = "bool",
            ["Streams:orders:Fields:h:Type"] = "string",
            ["Streams:orders:Fields:i:Type"] = "string",
            ["Streams:orders:Fields:i:Required"] = "true",
            ["Streams:orders:Fields:j:Type"] = "timestamp",
            ["Streams:orders:Rollups:per_sku:Bucket"] = "PT1M",
            ["Streams:orders:Rollups:per_sku:By:0"] = "i",
            ["Streams:orders:Rollups:per_sku:By:1"] = "c",
            ["Streams:orders:Rollups:per_sku:Sum:0"] = "e",
            ["Streams:orders:Rollups:per_sku:Sum:1"] = "a",
        }).Build(), new ClickOptions());
        _orders = streams.RulesOf(streams.Declared[0]);
        _seedElements = Chunk(i => $$"""{"uid":{{i * 7919}},"pid":{{i % 5000}}}""");
        _apiElements = Chunk(i => $$"""{"id":"0195f3c4a1b27c3d9e{{i:D14}}","ts":1795813500000,"uid":{{i * 7919}},"pid":{{i % 5000}}}""");
        _orderElements = Chunk(i => string.Create(CultureInfo.InvariantCulture,
            $$"""{"a":{{i}},"b":{{i % 1000}},"c":{{i % 7}},"d":{{(i % 10000) / 100.0m}},"e":{{i / 3.0}},"f":{{(i % 2 == 1 ? "true" : "false")}},"g":true,"h":"customer-{{i % 100000}}","i":"sku-{{i % 5000}}","j":{{1764547200000 + i}}}"""));
        _batchBody = Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, Events).Select(i => $$"""{"uid":{{i * 7919}},"pid":{{i % 5000}}}""")) + "]");
        _clickChunk = EventChunk.Parse(_seedElements, _clicks, PrivateList, Context, 1, _clicks.PartitionedBy);
        _orderChunk = EventChunk.Parse(_orderElements, _orders, PrivateList, Context, 1, _orders.PartitionedBy);
        if (Environment.GetEnvironmentVariable("ConnectionStrings__Postgres") is { Length: > 0 } postgres)
        {
            _postgres = NpgsqlDataSource.Create(postgres);
            var options = Options.Create(new PostgresSinkOptions { Schema = Schema });
            _sink = new PostgresEventSink(_postgres, options, Options.Create(new ClickOptions()), streams, new SchemaVersions(streams, new PostgresSinkQueries(_postgres, options)));
            await _sink.MigrateAsync(CancellationToken.None);
            _committedChunk = _clickChunk.BatchOf("micro-committed", 0);
            await _sink.WriteAsync(_committedChunk, CancellationToken.None);
        }
    }

    [Benchmark(Description = "staged element parsing, seed format (10k clicks)")]
    public int ParseSeedElements() => Parse(_clicks, _seedElements);

    [Benchmark(Description = "staged element parsing, Api format (10k clicks)")]
    public int ParseApiElements() => Parse(_clicks, _apiElements);

    [Benchmark(Description = "staged element parsing, 10 fields (10k events)")]
    public int ParseOrderElements() => Parse(_orders, _orderElements);

    [Benchmark(Description = "drain chunk: parse, split, sort (10k clicks)")]
    public int ClickChunk() => EventChunk.Parse(_seedElements, _clicks, PrivateList, Context, 4, _clicks.PartitionedBy).Rows.Count;

    [Benchmark(Description = "drain chunk: parse, split (10k events of 10 fields)")]
    public int OrderChunk() => EventChunk.Parse(_orderElements, _orders, PrivateList, Context, 4, _orders.PartitionedBy).Rows.Count;

    [Benchmark(Description = "binary COPY rows (10k clicks)")]
    public int ClickCopyRows() => CopyRows(_clicks, _clickChunk);

    [Benchmark(Description = "binary COPY rows (10k events of 10 fields)")]
    public int OrderCopyRows() => CopyRows(_orders, _orderChunk);

    [Benchmark(Description = "ingest JSON: read + validate a 10k batch of clicks")]
    public async Task<int> ReadBatch()
    {
        var body = new IngestBody(new EventValidator(_clicks, DateTimeOffset.UtcNow, new ClickOptions { MaxBatch = Events }), "click");
        return (await body.ReadBatchAsync(new MemoryStream(_batchBody), Events, CancellationToken.None)).Events.Count;
    }

    /// <summary>A first delivery: a new private list every time, so the whole batch is above its progress mark.</summary>
    [Benchmark(Description = "PostgreSQL sink write, first delivery (10k clicks)")]
    [InvocationCount(1), IterationCount(15)]
    public Task<SinkResult> SinkFirstDelivery() => Sink.WriteAsync(_chunk, CancellationToken.None);

    /// <summary>A replay of a committed chunk: the progress mark is past it, so nothing is copied.</summary>
    [Benchmark(Description = "PostgreSQL sink write, replay (10k clicks)")]
    [InvocationCount(1), IterationCount(15)]
    public Task<SinkResult> SinkReplay() => Sink.WriteAsync(_committedChunk, CancellationToken.None);

    [IterationSetup(Target = nameof(SinkFirstDelivery))]
    public void NewPrivateList() => _chunk = _clickChunk.BatchOf($"micro-{Guid.NewGuid():N}", 0);

    [GlobalCleanup]
    public async Task DropSchema()
    {
        if (_postgres is not null)
        {
            await using var drop = _postgres.CreateCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
    }

    private PostgresEventSink Sink => _sink ?? throw new InvalidOperationException("set ConnectionStrings__Postgres to measure the sink");

    private static ChunkElements Chunk(Func<int, string> element)
    {
        var elements = Enumerable.Range(0, Events).Select(i => Encoding.UTF8.GetBytes(element(i))).ToArray();
        return ChunkElements.Parse(0, [.. elements.SelectMany(bytes => bytes)], string.Join(' ', elements.Select(bytes => bytes.Length)), "", []);
    }

    private static int Parse(EventRules rules, ChunkElements elements)
    {
        var rows = rules.NewRows(elements.Count);
        var errors = new List<(string Property, string Error)>();
        for (var i = 0; i < elements.Count; i++)
        {
            if (rules.TryRead(elements[i], staged: true, rows, errors, out var read))
            {
                rows.Add(i, read.ApiId ?? ClickId.FromPosition(Context.IdSeed, i), read.Id, read.TimestampMs ?? Context.TakenOverAtMs);
            }
        }

        return rows.Count;
    }

    private static int CopyRows(EventRules rules, EventChunk chunk)
    {
        using var rows = new PostgresCopyRows(rules, chunk.Rows, chunk.Partitions[0]);
        return rows.Length;
    }
}
