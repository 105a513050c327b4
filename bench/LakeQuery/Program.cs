// A full day's aggregate of the clicks, from PostgreSQL (the drain's table) and from the Parquet archive of the same
// clicks (DuckDB over the lake), alternately: both must give the same rows (exit 1 otherwise); prints the median time of
// each after a first run of each that is not counted. Then the same over a copy of the lake compacted by the archive's
// compaction (ArchiveCompaction, as a silo runs it; its time and CPU printed).
//   dotnet ClickOrleans.Bench.LakeQuery.dll <PostgreSQL connection string> <schema> <lake> <day: YYYY-MM-DD> [runs]
using System.Diagnostics;
using ClickOrleans;
using ClickOrleans.Sinks;
using ClickOrleans.Sinks.Parquet;
using ClickOrleans.Sinks.Sqlite;
using ClickOrleans.Streams;
using DuckDB.NET.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

var (postgres, schema, lake, day) = (args[0], args[1], args[2], DateTime.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture));
var runs = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 5;
var from = $"'{day:yyyy-MM-dd}T00:00:00Z'";
var to = $"'{day.AddDays(1):yyyy-MM-dd}T00:00:00Z'";
// Per hour of the day: clicks, distinct users and distinct products. The table groups by the hour of ts; the lake by its
// hour partition, which is that hour (UTC), as a data miner would read it.
const string Measures = "count(*) AS clicks, count(DISTINCT uid) AS users, count(DISTINCT pid) AS products";
var sql = $"SELECT extract(hour FROM ts)::int AS hour, {Measures} FROM {schema}.clicks WHERE ts >= {from} AND ts < {to} GROUP BY 1 ORDER BY 1";
string Parquet(string root) =>
    $"SELECT hour::int AS hour, {Measures} FROM read_parquet('{root}/stream=clicks/**/*.parquet', hive_partitioning = true) WHERE date = '{day:yyyy-MM-dd}' GROUP BY 1 ORDER BY 1";

await using var pg = new NpgsqlConnection(postgres);
await pg.OpenAsync();
await using (var utc = new NpgsqlCommand("SET TimeZone = 'UTC'", pg))
{
    await utc.ExecuteNonQueryAsync();
}

using var duck = new DuckDBConnection("Data Source=:memory:");
duck.Open();
using (var utc = duck.CreateCommand())
{
    utc.CommandText = "SET TimeZone = 'UTC'";
    utc.ExecuteNonQuery();
}

List<string> Rows(System.Data.Common.DbDataReader reader)
{
    var rows = new List<string>();
    while (reader.Read())
    {
        rows.Add($"{Convert.ToInt64(reader.GetValue(0))} {Convert.ToInt64(reader.GetValue(1))} {Convert.ToInt64(reader.GetValue(2))} {Convert.ToInt64(reader.GetValue(3))}");
    }

    return rows;
}

async Task<(double Ms, List<string> Rows)> PostgresAsync()
{
    var clock = Stopwatch.StartNew();
    await using var command = new NpgsqlCommand(sql, pg) { CommandTimeout = 0 };
    await using var reader = await command.ExecuteReaderAsync();
    var rows = Rows(reader);
    return (clock.Elapsed.TotalMilliseconds, rows);
}

(double Ms, List<string> Rows) DuckDb(string root)
{
    var clock = Stopwatch.StartNew();
    using var command = duck.CreateCommand();
    command.CommandText = Parquet(root);
    using var reader = command.ExecuteReader();
    var rows = Rows(reader);
    return (clock.Elapsed.TotalMilliseconds, rows);
}

var compacted = lake + "-compacted";
foreach (var file in Directory.GetFiles(Path.Combine(lake, "stream=clicks"), "*.parquet", SearchOption.AllDirectories))
{
    var copy = Path.Combine(compacted, Path.GetRelativePath(lake, file));
    Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
    File.Copy(file, copy, overwrite: true);
}

var options = new ParquetSinkOptions { Directory = compacted };
var streams = StreamCatalog.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Streams:clicks:Sinks:0"] = StreamSinks.Postgres,
    ["Streams:clicks:Sinks:1"] = StreamSinks.Parquet,
}).Build(), new ClickOptions());
var archive = new ParquetArchive(Options.Create(options), streams,
    new SchemaVersions(streams, new SqliteSinkQueries(Options.Create(new SqliteSinkOptions { Path = Path.Combine(compacted, "unused.db") }))), TimeProvider.System);
var (clock, cpu) = (Stopwatch.StartNew(), Process.GetCurrentProcess().TotalProcessorTime);
var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
var merged = await new ArchiveCompaction(archive, Options.Create(options), new ArchiveTelemetry(meters), TimeProvider.System, NullLogger<ArchiveCompaction>.Instance)
    .CompactAsync(ClickStream.Name, CancellationToken.None);
Console.WriteLine($"COMPACTION files={merged} ms={clock.ElapsedMilliseconds} cpu_ms={(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds:F0}");

foreach (var root in new[] { lake, compacted })
{
    var (postgresMs, duckMs) = (new List<double>(), new List<double>());
    for (var run = -1; run < runs; run++)
    {
        var fromPostgres = await PostgresAsync();
        var fromLake = DuckDb(root);
        if (!fromPostgres.Rows.SequenceEqual(fromLake.Rows))
        {
            Console.Error.WriteLine($"PostgreSQL and {root} differ:\n{string.Join('\n', fromPostgres.Rows)}\n--\n{string.Join('\n', fromLake.Rows)}");
            return 1;
        }

        if (run >= 0)
        {
            postgresMs.Add(fromPostgres.Ms);
            duckMs.Add(fromLake.Ms);
        }
    }

    var files = Directory.GetFiles(Path.Combine(root, "stream=clicks"), "*.parquet", SearchOption.AllDirectories).Length;
    Console.WriteLine($"LAKE {(root == lake ? "archive" : "compacted")} day={day:yyyy-MM-dd} files={files} postgres_ms={Median(postgresMs):F0} duckdb_ms={Median(duckMs):F0} ratio={Median(postgresMs) / Median(duckMs):F1}");
}

return 0;

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
