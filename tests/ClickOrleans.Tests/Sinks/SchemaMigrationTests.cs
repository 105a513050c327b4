using ClickOrleans.Streams;
using ClickOrleans.Sinks.Postgres;
using ClickOrleans.Sinks.Sqlite;
using ClickOrleans.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClickOrleans.Tests.Sinks;

/// <summary>
/// Schema versions: a new store gets every shipped schema version (2, 3, 4) recorded, a second silo finds it current, and
/// a store in the layout before it (a text primary key on event_id, no schema_migrations), which no release shipped and
/// nothing converts, is refused at start with what to do, and left exactly as it was.
/// </summary>
[Trait("Category", "AnyRedis")]
public sealed class SchemaMigrationTests
{
    private const int Rows = 100;

    // The layout before schema version 2, as its build created it.
    private const string FirstLayoutPostgres = """
        CREATE TABLE {schema}.clicks (event_id text COLLATE "C" PRIMARY KEY, uid bigint NOT NULL, pid bigint NOT NULL, ts timestamptz NOT NULL);
        CREATE TABLE {schema}.product_clicks_minute (pid bigint NOT NULL, minute timestamptz NOT NULL, clicks bigint NOT NULL, PRIMARY KEY (pid, minute));
        """;

    private const string FirstLayoutSqlite = """
        CREATE TABLE clicks (event_id TEXT PRIMARY KEY, uid INTEGER NOT NULL, pid INTEGER NOT NULL, ts INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE product_clicks_minute (pid INTEGER NOT NULL, minute INTEGER NOT NULL, clicks INTEGER NOT NULL, PRIMARY KEY (pid, minute)) WITHOUT ROWID;
        """;

    private static readonly StreamCatalog Catalog = new(new ClickOptions(), []);

    private static PostgresEventSink Sink(NpgsqlDataSource dataSource, IOptions<PostgresSinkOptions> options) => TestSinks.Postgres(dataSource, options, Catalog);

    [SkippableFact]
    public async Task NewPostgresSchema_GetsEveryVersion_AndASecondSiloFindsItCurrent()
    {
        var postgres = TestServers.RequirePostgres();
        var schema = "migrate_" + Guid.NewGuid().ToString("N")[..12];
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        try
        {
            var options = Options.Create(new PostgresSinkOptions { Schema = schema });
            await Sink(dataSource, options).MigrateAsync(CancellationToken.None);
            await Sink(dataSource, options).MigrateAsync(CancellationToken.None);

            await using var versions = dataSource.CreateCommand($"SELECT array_agg(version ORDER BY version) FROM {schema}.schema_migrations");
            Assert.Equal(new[] { 2, 3, 4 }, (int[])(await versions.ExecuteScalarAsync())!);
        }
        finally
        {
            await DropAsync(dataSource, schema);
        }
    }

    [SkippableFact]
    public async Task FirstLayoutPostgresSchema_IsRefusedAtStart_AndLeftAsItWas()
    {
        var postgres = TestServers.RequirePostgres();
        var schema = "migrate_" + Guid.NewGuid().ToString("N")[..12];
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        try
        {
            await using (var create = dataSource.CreateCommand(
                $"CREATE SCHEMA {schema};" + FirstLayoutPostgres.Replace("{schema}", schema) +
                $"INSERT INTO {schema}.clicks SELECT 'id-' || i, i, 7, now() FROM generate_series(1, {Rows}) AS i;"))
            {
                await create.ExecuteNonQueryAsync();
            }

            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                Sink(dataSource, Options.Create(new PostgresSinkOptions { Schema = schema })).MigrateAsync(CancellationToken.None));

            Assert.Contains("a layout no release shipped", refused.Message);
            Assert.Contains("Clicks:Postgres:Schema", refused.Message);
            await using var left = dataSource.CreateCommand(
                $"SELECT (SELECT count(*) FROM {schema}.clicks), to_regclass('{schema}.schema_migrations') IS NULL, to_regclass('{schema}.drain_progress') IS NULL");
            await using var reader = await left.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.Equal((Rows, true, true), (reader.GetInt64(0), reader.GetBoolean(1), reader.GetBoolean(2)));
        }
        finally
        {
            await DropAsync(dataSource, schema);
        }
    }

    [Fact]
    public async Task FirstLayoutSqliteFile_IsRefusedWhenOpened_AndLeftAsItWas()
    {
        var directory = Directory.CreateTempSubdirectory("clickorleans-migrate-").FullName;
        var path = Path.Combine(directory, "clicks.db");
        try
        {
            await ExecuteAsync(path, FirstLayoutSqlite + string.Concat(Enumerable.Range(0, Rows).Select(i => $"INSERT INTO clicks VALUES ('id-{i}', {i}, 7, 0);")));

            var refused = Assert.Throws<InvalidOperationException>(() => TestSinks.Sqlite(Options.Create(new SqliteSinkOptions { Path = path }), Catalog));

            Assert.Contains("a layout no release shipped", refused.Message);
            Assert.Contains("Clicks:Sqlite:Path", refused.Message);
            Assert.Equal(
                $"{Rows} 0",
                await ScalarAsync(path, "SELECT (SELECT count(*) FROM clicks) || ' ' || (SELECT count(*) FROM sqlite_master WHERE name IN ('schema_migrations', 'drain_progress'))"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task DropAsync(NpgsqlDataSource dataSource, string schema)
    {
        await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
        await drop.ExecuteNonQueryAsync();
    }

    private static async Task ExecuteAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> ScalarAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
