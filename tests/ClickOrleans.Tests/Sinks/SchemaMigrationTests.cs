using ClickOrleans.Sinks.Postgres;
using ClickOrleans.Sinks.Sqlite;
using ClickOrleans.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClickOrleans.Tests.Sinks;

/// <summary>
/// A store written by the first release (a text primary key on event_id, no schema_migrations) is migrated in place when
/// a silo of this release starts: every row kept, every id still what the query API returns, the rollups untouched.
/// </summary>
public sealed class SchemaMigrationTests
{
    private const int Rows = 10_000;

    // The first release's DDL, as it created the tables.
    private const string FirstReleasePostgres = """
        CREATE TABLE {schema}.clicks (event_id text COLLATE "C" PRIMARY KEY, uid bigint NOT NULL, pid bigint NOT NULL, ts timestamptz NOT NULL);
        CREATE INDEX clicks_uid_ts ON {schema}.clicks (uid, ts);
        CREATE TABLE {schema}.product_clicks_minute (pid bigint NOT NULL, minute timestamptz NOT NULL, clicks bigint NOT NULL, PRIMARY KEY (pid, minute));
        """;

    private const string FirstReleaseSqlite = """
        CREATE TABLE clicks (event_id TEXT PRIMARY KEY, uid INTEGER NOT NULL, pid INTEGER NOT NULL, ts INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX clicks_uid_ts ON clicks (uid, ts);
        CREATE TABLE product_clicks_minute (pid INTEGER NOT NULL, minute INTEGER NOT NULL, clicks INTEGER NOT NULL, PRIMARY KEY (pid, minute)) WITHOUT ROWID;
        """;

    private static readonly DateTimeOffset Start = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    [SkippableFact]
    public async Task FirstReleasePostgresSchema_WithRows_IsMigrated_KeepingEveryRowAndId()
    {
        var postgres = TestServers.RequirePostgres();
        var schema = "migrate_" + Guid.NewGuid().ToString("N")[..12];
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        try
        {
            await using (var create = dataSource.CreateCommand($"CREATE SCHEMA {schema};" + FirstReleasePostgres.Replace("{schema}", schema)))
            {
                await create.ExecuteNonQueryAsync();
            }

            await using (var connection = await dataSource.OpenConnectionAsync())
            await using (var copy = await connection.BeginBinaryImportAsync($"COPY {schema}.clicks (event_id, uid, pid, ts) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var (id, uid, pid, ts) in FirstReleaseRows())
                {
                    await copy.WriteRowAsync(default, id, uid, pid, ts);
                }

                await copy.CompleteAsync();
            }

            await using (var rollup = dataSource.CreateCommand($"INSERT INTO {schema}.product_clicks_minute VALUES (7, '{Start:O}', {Rows})"))
            {
                await rollup.ExecuteNonQueryAsync();
            }

            var options = Options.Create(new PostgresSinkOptions { Schema = schema });
            await new PostgresClickSink(dataSource, options).MigrateAsync(CancellationToken.None);
            await new PostgresClickSink(dataSource, options).MigrateAsync(CancellationToken.None); // a second silo: nothing to do

            await AssertEveryRowKeptAsync(new PostgresClickQueries(dataSource, options));
            await using var versions = dataSource.CreateCommand($"SELECT array_agg(version ORDER BY version) FROM {schema}.schema_migrations");
            Assert.Equal(new[] { 1, 2 }, (int[])(await versions.ExecuteScalarAsync())!);
        }
        finally
        {
            await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task FirstReleaseSqliteFile_WithRows_IsMigrated_KeepingEveryRowAndId()
    {
        var directory = Directory.CreateTempSubdirectory("clickorleans-migrate-").FullName;
        var path = Path.Combine(directory, "clicks.db");
        try
        {
            await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
            {
                await connection.OpenAsync();
                await using var transaction = connection.BeginTransaction();
                await using var create = connection.CreateCommand();
                create.CommandText = FirstReleaseSqlite + $"INSERT INTO product_clicks_minute VALUES (7, {Start.ToUnixTimeMilliseconds()}, {Rows});";
                await create.ExecuteNonQueryAsync();
                await using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO clicks VALUES ($id, $uid, $pid, $ts)";
                foreach (var (id, uid, pid, ts) in FirstReleaseRows())
                {
                    insert.Parameters.Clear();
                    insert.Parameters.AddWithValue("$id", id);
                    insert.Parameters.AddWithValue("$uid", uid);
                    insert.Parameters.AddWithValue("$pid", pid);
                    insert.Parameters.AddWithValue("$ts", ts.ToUnixTimeMilliseconds());
                    await insert.ExecuteNonQueryAsync();
                }

                await transaction.CommitAsync();
            }

            var options = Options.Create(new SqliteSinkOptions { Path = path });
            using (new SqliteClickSink(options))
            {
            }

            using (new SqliteClickSink(options)) // opened again: nothing to do
            {
            }

            await AssertEveryRowKeptAsync(new SqliteClickQueries(options));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Every kind of id the first release stored: the Api's hex UUIDs, client ids, and position-derived ids.</summary>
    private static readonly (string Id, long Uid, long Pid, DateTimeOffset Ts)[] FirstReleaseRowsOnce =
    [
        .. Enumerable.Range(0, Rows).Select(i => (
            (i % 3) switch
            {
                0 => Guid.CreateVersion7().ToString("N"),
                1 => $"client-order-{i}",
                _ => $"product-click-1764000000000:{i}",
            },
            (long)(i % 10),
            7L,
            Start.AddMilliseconds(i))),
    ];

    private static IEnumerable<(string Id, long Uid, long Pid, DateTimeOffset Ts)> FirstReleaseRows() => FirstReleaseRowsOnce;

    private static async Task AssertEveryRowKeptAsync(ClickOrleans.Queries.IClickQueries queries)
    {
        var expected = FirstReleaseRowsOnce;
        var ids = new List<string>();
        for (var uid = 0; uid < 10; uid++)
        {
            var clicks = await queries.UserClicksAsync(uid, Start, Start.AddDays(1), 1000, CancellationToken.None);
            ids.AddRange(clicks.Select(click => click.Id));
        }

        Assert.Equal(Rows, ids.Count);
        Assert.Equal(expected.Select(row => row.Id).Order(), ids.Order());
        var minutes = await queries.ProductMinutesAsync(7, Start, Start.AddMinutes(1), CancellationToken.None);
        Assert.Equal(Rows, Assert.Single(minutes).Clicks);
    }
}
