using ClickOrleans.Sinks;
using ClickOrleans.Sinks.Postgres;
using ClickOrleans.Sinks.Sqlite;
using ClickOrleans.Streams;
using ClickOrleans.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClickOrleans.Tests.Sinks;

/// <summary>
/// A declared stream's table is created from its schema once, its version recorded; a later start with the same
/// declaration finds it current, one with another declaration stops, naming the change and the SQL to run.
/// </summary>
public sealed class StreamTableTests
{
    private static readonly Dictionary<string, string?> Orders = new()
    {
        ["Streams:orders:Fields:total:Type"] = "float64",
        ["Streams:orders:Fields:customer:Type"] = "string",
    };

    [SkippableFact]
    public async Task PostgresTable_IsCreatedOnce_AndAChangedDeclarationStopsTheStart()
    {
        var postgres = TestServers.RequirePostgres();
        var schema = "streams_" + Guid.NewGuid().ToString("N")[..12];
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        var options = Options.Create(new PostgresSinkOptions { Schema = schema });
        try
        {
            await new PostgresClickSink(dataSource, options).MigrateAsync(CancellationToken.None);
            var declared = Catalog(Orders);
            await new PostgresEventSink(dataSource, options, declared).MigrateAsync(declared.Declared, CancellationToken.None);
            await new PostgresEventSink(dataSource, options, declared).MigrateAsync(declared.Declared, CancellationToken.None);
            var changed = Catalog(new(Orders) { ["Streams:orders:Fields:total:Type"] = "int64" });

            var refused = await Assert.ThrowsAsync<SchemaChangedException>(() =>
                new PostgresEventSink(dataSource, options, changed).MigrateAsync(changed.Declared, CancellationToken.None));

            Assert.Contains($"Streams:orders is not the schema its table {schema}.\"orders\" was created with", refused.Message);
            Assert.Contains("total float64", refused.Message);
            Assert.Contains("total int64", refused.Message);
            Assert.Contains($"DROP TABLE {schema}.\"orders\"; DELETE FROM {schema}.stream_schemas WHERE stream = 'orders';", refused.Message);
            await using var versions = dataSource.CreateCommand($"SELECT count(*) FROM {schema}.stream_schemas");
            Assert.Equal(1L, await versions.ExecuteScalarAsync());
            await using var columns = dataSource.CreateCommand(
                $"SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = '{schema}' AND table_name = 'orders'");
            Assert.Equal("event_id uuid, client_id text, ts timestamp with time zone, customer text, total double precision", await columns.ExecuteScalarAsync());
        }
        finally
        {
            await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task SqliteTable_IsCreatedOnce_AndAChangedDeclarationStopsTheStart()
    {
        var directory = Directory.CreateTempSubdirectory("clickorleans-streams-").FullName;
        var options = Options.Create(new SqliteSinkOptions { Path = Path.Combine(directory, "clicks.db") });
        try
        {
            var declared = Catalog(Orders);
            using (var clicks = new SqliteClickSink(options))
            {
                using (var first = new SqliteEventSink(clicks, declared))
                {
                    await first.MigrateAsync(declared.Declared, CancellationToken.None);
                }

                using (var second = new SqliteEventSink(clicks, declared))
                {
                    await second.MigrateAsync(declared.Declared, CancellationToken.None);
                }

                var changed = Catalog(new(Orders) { ["Streams:orders:Fields:customer:Required"] = "true" });
                using var third = new SqliteEventSink(clicks, changed);
                var refused = await Assert.ThrowsAsync<SchemaChangedException>(() => third.MigrateAsync(changed.Declared, CancellationToken.None));

                Assert.Contains("Streams:orders is not the schema its table \"orders\" was created with", refused.Message);
                Assert.Contains("customer string required max 256", refused.Message);
                Assert.Contains("DROP TABLE \"orders\"; DELETE FROM stream_schemas WHERE stream = 'orders';", refused.Message);
            }

            await using var connection = new SqliteConnection($"Data Source={options.Value.Path};Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT (SELECT count(*) FROM stream_schemas) || ' ' || (SELECT group_concat(name || ' ' || type, ', ') FROM pragma_table_info('orders'))";
            Assert.Equal("1 event_id BLOB, client_id TEXT, ts INTEGER, customer TEXT, total REAL", await command.ExecuteScalarAsync());
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static StreamCatalog Catalog(Dictionary<string, string?> settings) =>
        StreamCatalog.From(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), new ClickOptions());
}
