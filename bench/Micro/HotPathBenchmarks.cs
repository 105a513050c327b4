using System.Text;
using BenchmarkDotNet.Attributes;
using ClickOrleans.Api.Ingest;
using ClickOrleans.Staging;
using Npgsql;
using NpgsqlTypes;

namespace ClickOrleans.Bench.Micro;

/// <summary>The per-click hot paths, 10,000 clicks per operation (one drain chunk, one large batch).</summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private const int Clicks = 10_000;
    private byte[][] _seedElements = [];
    private byte[][] _apiElements = [];
    private byte[] _batchBody = [];
    private ClickValidator _validator = null!;
    private NpgsqlDataSource? _postgres;
    private Click[] _chunk = [];

    [GlobalSetup]
    public void Setup()
    {
        _seedElements = Enumerable.Range(0, Clicks).Select(i => Encoding.UTF8.GetBytes($$"""{"uid":{{i * 7919}},"pid":{{i % 5000}}}""")).ToArray();
        _apiElements = Enumerable.Range(0, Clicks)
            .Select(i => Encoding.UTF8.GetBytes($$"""{"id":"0195f3c4a1b27c3d9e{{i:D14}}","uid":{{i * 7919}},"pid":{{i % 5000}},"ts":1795813560000}"""))
            .ToArray();
        _batchBody = Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, Clicks).Select(i => $$"""{"uid":{{i * 7919}},"pid":{{i % 5000}}}""")) + "]");
        _validator = new ClickValidator(DateTimeOffset.UtcNow, new IngestOptions { MaxBatch = Clicks });
        _chunk = Enumerable.Range(0, Clicks).Select(i => new Click($"product-click-1795813560000:{i}", i * 7919, i % 5000, 1795813560000)).ToArray();
        if (Environment.GetEnvironmentVariable("ConnectionStrings__Postgres") is { Length: > 0 } postgres)
        {
            _postgres = NpgsqlDataSource.Create(postgres);
        }
    }

    [Benchmark(Description = "staged element parsing, seed format (10k)")]
    public long ParseSeedElements() => Parse(_seedElements);

    [Benchmark(Description = "staged element parsing, Api format (10k)")]
    public long ParseApiElements() => Parse(_apiElements);

    [Benchmark(Description = "ingest JSON: read + validate a 10k batch")]
    public async Task<int> ReadBatch() =>
        (await ClickBody.ReadBatchAsync(new MemoryStream(_batchBody), _validator, Clicks, CancellationToken.None)).Clicks.Count;

    [Benchmark(Description = "COPY row writing into a temp table (10k)")]
    public async Task CopyRows()
    {
        if (_postgres is null)
        {
            throw new InvalidOperationException("set ConnectionStrings__Postgres to measure COPY");
        }

        await using var connection = await _postgres.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var create = new NpgsqlCommand("CREATE TEMP TABLE click_load (event_id text, uid bigint, pid bigint, ts timestamptz) ON COMMIT DROP", connection, transaction))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using (var copy = await connection.BeginBinaryImportAsync("COPY click_load (event_id, uid, pid, ts) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var click in _chunk)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(click.Id, NpgsqlDbType.Text);
                await copy.WriteAsync(click.Uid, NpgsqlDbType.Bigint);
                await copy.WriteAsync(click.Pid, NpgsqlDbType.Bigint);
                await copy.WriteAsync(DateTimeOffset.FromUnixTimeMilliseconds(click.TimestampMs), NpgsqlDbType.TimestampTz);
            }

            await copy.CompleteAsync();
        }

        await transaction.CommitAsync();
    }

    private static long Parse(byte[][] elements)
    {
        var sum = 0L;
        for (var i = 0; i < elements.Length; i++)
        {
            if (StagedElement.TryParse(elements[i], "product-click-1795813560000", i, 1795813560000, out var click, out _))
            {
                sum += click.Pid;
            }
        }

        return sum;
    }
}
