using ClickOrleans.Api;
using System.Text;
using BenchmarkDotNet.Attributes;
using ClickOrleans.Api.Ingest;
using ClickOrleans.Staging;
using ClickOrleans.Sinks.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClickOrleans.Bench.Micro;

/// <summary>The per-click hot paths, 10,000 clicks per operation (one drain chunk, one large batch).</summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private const int Clicks = 10_000;
    private byte[][] _seedElements = [];
    private byte[][] _apiElements = [];
    private byte[] _batchBody = [];
    private IngestBody<ClickRequest, Click> _body = null!;
    private const string Schema = "bench_micro";
    private NpgsqlDataSource? _postgres;
    private PostgresClickSink? _sink;
    private SinkBatch _chunk = null!;
    private SinkBatch _committedChunk = null!;
    private static readonly ElementContext Context = new(ClickId.SeedOf("{product-click-staging}:private:1795813560000"), 1795813560000, 1795813860000);

    [GlobalSetup]
    public async Task Setup()
    {
        _seedElements = Enumerable.Range(0, Clicks).Select(i => Encoding.UTF8.GetBytes($$"""{"uid":{{i * 7919}},"pid":{{i % 5000}}}""")).ToArray();
        _apiElements = Enumerable.Range(0, Clicks)
            .Select(i => Encoding.UTF8.GetBytes($$"""{"id":"0195f3c4a1b27c3d9e{{i:D14}}","uid":{{i * 7919}},"pid":{{i % 5000}},"ts":1795813500000}"""))
            .ToArray();
        _batchBody = Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, Clicks).Select(i => $$"""{"uid":{{i * 7919}},"pid":{{i % 5000}}}""")) + "]");
        _body = new(ApiJsonContext.Default.ClickRequest, new ClickValidator(DateTimeOffset.UtcNow, new ClickOptions { MaxBatch = Clicks }).TryValidate, "click");
        if (Environment.GetEnvironmentVariable("ConnectionStrings__Postgres") is { Length: > 0 } postgres)
        {
            _postgres = NpgsqlDataSource.Create(postgres);
            _sink = new PostgresClickSink(_postgres, Options.Create(new PostgresSinkOptions { Schema = Schema }));
            await _sink.MigrateAsync(CancellationToken.None);
            _committedChunk = Chunk("micro-committed");
            await _sink.WriteAsync(_committedChunk, CancellationToken.None);
        }
    }

    [Benchmark(Description = "staged element parsing, seed format (10k)")]
    public long ParseSeedElements() => Parse(_seedElements);

    [Benchmark(Description = "staged element parsing, Api format (10k)")]
    public long ParseApiElements() => Parse(_apiElements);

    [Benchmark(Description = "ingest JSON: read + validate a 10k batch")]
    public async Task<int> ReadBatch() =>
        (await _body.ReadBatchAsync(new MemoryStream(_batchBody), Clicks, CancellationToken.None)).Events.Count;

    /// <summary>A first delivery: a new private list every time, so the whole batch is above its progress mark.</summary>
    [Benchmark(Description = "PostgreSQL sink write, first delivery (10k)")]
    [InvocationCount(1), IterationCount(15)]
    public Task<SinkResult> SinkFirstDelivery() => Sink.WriteAsync(_chunk, CancellationToken.None);

    /// <summary>A replay of a committed chunk: the progress mark is past it, so nothing is copied.</summary>
    [Benchmark(Description = "PostgreSQL sink write, replay (10k)")]
    [InvocationCount(1), IterationCount(15)]
    public Task<SinkResult> SinkReplay() => Sink.WriteAsync(_committedChunk, CancellationToken.None);

    [IterationSetup(Target = nameof(SinkFirstDelivery))]
    public void NewEventIds() => _chunk = Chunk($"micro-{Guid.NewGuid():N}");

    [GlobalCleanup]
    public async Task DropSchema()
    {
        if (_postgres is not null)
        {
            await using var drop = _postgres.CreateCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
    }

    private PostgresClickSink Sink => _sink ?? throw new InvalidOperationException("set ConnectionStrings__Postgres to measure the sink");

    private static SinkBatch Chunk(string list)
    {
        var seed = ClickId.SeedOf(list);
        StagedClick[] clicks = [.. Enumerable.Range(0, Clicks).Select(i => new StagedClick(i, ClickId.FromPosition(seed, i), null, i * 7919, i % 5000, 1795813560000))];
        return new SinkBatch(list, 0, 0, Clicks, clicks);
    }

    private static long Parse(byte[][] elements)
    {
        var sum = 0L;
        for (var i = 0; i < elements.Length; i++)
        {
            if (StagedElement.TryParse(elements[i], Context, i, out var click, out _))
            {
                sum += click.Pid;
            }
        }

        return sum;
    }
}
