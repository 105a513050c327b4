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
[Trait("Category", "AnyRedis")]
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
        await using var store = TestPostgresSchema.Create("streams");
        var (dataSource, options, schema) = store;
        var declared = Catalog(Orders);
        await TestSinks.Postgres(dataSource, options, declared).MigrateAsync(CancellationToken.None);
        await TestSinks.Postgres(dataSource, options, declared).MigrateAsync(CancellationToken.None);
        var changed = Catalog(new(Orders) { ["Streams:orders:Fields:total:Type"] = "int64" });

        var refused = await Assert.ThrowsAsync<SchemaChangedException>(() =>
            TestSinks.Postgres(dataSource, options, changed).MigrateAsync(CancellationToken.None));

        Assert.Contains($"Streams:orders is not the schema its table {schema}.\"orders\" was created with", refused.Message);
        Assert.Contains("total float64", refused.Message);
        Assert.Contains("total int64", refused.Message);
        Assert.Contains($"DROP TABLE {schema}.\"orders\"; DELETE FROM {schema}.stream_schemas WHERE stream = 'orders';", refused.Message);
        await using var versions = dataSource.CreateCommand($"SELECT count(*) FROM {schema}.stream_schemas WHERE stream = 'orders'");
        Assert.Equal(1L, await versions.ExecuteScalarAsync());
        await using var columns = dataSource.CreateCommand(
            $"SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = '{schema}' AND table_name = 'orders'");
        Assert.Equal("event_id uuid, client_id text, ts timestamp with time zone, customer text, total double precision", await columns.ExecuteScalarAsync());
    }

    [Fact]
    public async Task SqliteTable_IsCreatedOnce_AndAChangedDeclarationStopsTheStart()
    {
        var directory = Directory.CreateTempSubdirectory("clickorleans-streams-").FullName;
        var options = Options.Create(new SqliteSinkOptions { Path = Path.Combine(directory, "clicks.db") });
        try
        {
            var declared = Catalog(Orders);
            {
                using (var first = TestSinks.Sqlite(options, declared))
                {
                    await first.MigrateAsync(CancellationToken.None);
                }

                using (var second = TestSinks.Sqlite(options, declared))
                {
                    await second.MigrateAsync(CancellationToken.None);
                }

                var changed = Catalog(new(Orders) { ["Streams:orders:Fields:customer:Required"] = "true" });
                using var third = TestSinks.Sqlite(options, changed);
                var refused = await Assert.ThrowsAsync<SchemaChangedException>(() => third.MigrateAsync(CancellationToken.None));

                Assert.Contains("Streams:orders is not the schema its table \"orders\" was created with", refused.Message);
                Assert.Contains("customer string required max 256", refused.Message);
                Assert.Contains("DROP TABLE \"orders\"; DELETE FROM stream_schemas WHERE stream = 'orders';", refused.Message);
            }

            await using var connection = new SqliteConnection($"Data Source={options.Value.Path};Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT (SELECT count(*) FROM stream_schemas WHERE stream = 'orders') || ' ' || (SELECT group_concat(name || ' ' || type, ', ') FROM pragma_table_info('orders'))";
            Assert.Equal("1 event_id BLOB, client_id TEXT, ts INTEGER, customer TEXT, total REAL", await command.ExecuteScalarAsync());
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [SkippableFact]
    public async Task PostgresTable_Evolves_ByNewOptionalFieldsRollupsAndBounds_AndRefusesAnyOtherChange_NamingIt()
    {
        await using var store = TestPostgresSchema.Create("streams");
        var (dataSource, options, schema) = store;
        Task MigrateAsync(StreamCatalog catalog) => TestSinks.Postgres(dataSource, options, catalog).MigrateAsync(CancellationToken.None);
        await MigrateAsync(Catalog(Orders));
        await using (var stored = dataSource.CreateCommand($"INSERT INTO {schema}.orders (event_id, ts, customer, total) VALUES (gen_random_uuid(), now(), 'ann', 12.5)"))
        {
            await stored.ExecuteNonQueryAsync();
        }

        var refusals = await RefusalsAsync(() => MigrateAsync(Catalog(new(Orders) { ["Streams:orders:Fields:note:Type"] = "string", ["Streams:orders:Fields:note:Required"] = "true" })),
            () => MigrateAsync(Catalog(new() { ["Streams:orders:Fields:total:Type"] = "float64" })));
        await MigrateAsync(Catalog(Evolved));
        await MigrateAsync(Catalog(Evolved));
        await MigrateAsync(Catalog(Loosened));
        var rejectsExtra = (await Assert.ThrowsAsync<SchemaChangedException>(() => MigrateAsync(Catalog(new(Loosened) { ["Streams:orders:Extra"] = "Reject" })))).Message;

        var changedIndex = (await Assert.ThrowsAsync<SchemaChangedException>(() => MigrateAsync(Catalog(new(Loosened) { ["Streams:orders:Indexes:by_note:Fields"] = "customer" })))).Message;

        Assert.Contains(ExtraRefusal, rejectsExtra);
        Assert.Contains("index by_note was [index by_note note,ts], it is declared [index by_note customer,ts]: an index cannot change", changedIndex);
        Assert.Contains("new field note is required, but the rows already stored have no value for it", refusals[0]);
        Assert.Contains("field customer [customer string max 256] is no longer declared", refusals[1]);
        await using var columns = dataSource.CreateCommand(
            $"SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = '{schema}' AND table_name = 'orders'");
        Assert.Equal("event_id uuid NO, client_id text YES, ts timestamp with time zone NO, customer text YES, total double precision YES, note text YES, placed_at timestamp with time zone YES, extra jsonb YES",
            await columns.ExecuteScalarAsync());
        await using var indexes = dataSource.CreateCommand($"SELECT string_agg(indexdef, '; ' ORDER BY indexname) FROM pg_indexes WHERE schemaname = '{schema}' AND tablename = 'orders'");
        Assert.Equal($"CREATE INDEX orders_by_note ON {schema}.orders USING btree (note, ts); CREATE INDEX orders_ts ON {schema}.orders USING btree (ts)", await indexes.ExecuteScalarAsync());
        await using var rows = dataSource.CreateCommand($"SELECT customer || ' ' || coalesce(note, 'null') || ' ' || (SELECT count(*) FROM {schema}.stream_schemas WHERE stream = 'orders') FROM {schema}.orders");
        Assert.Equal("ann null 3", await rows.ExecuteScalarAsync());
        await using var daily = dataSource.CreateCommand($"SELECT count || ' ' || sum_total FROM {schema}.orders_daily");
        Assert.Equal("1 12.5", await daily.ExecuteScalarAsync());
        await using var values = dataSource.CreateCommand($"SELECT count(*) || ' ' || min(field) || ' ' || min(value) FROM {schema}.orders_daily_values");
        Assert.Equal("1 customer ann", await values.ExecuteScalarAsync());
    }

    [SkippableFact]
    public async Task PostgresIndexes_AreBuiltWithTheirKind_AndAHashIndexServesTheEventsQuery()
    {
        await using var store = TestPostgresSchema.Create("streams");
        var (dataSource, options, schema) = store;
        var catalog = Catalog(new(Orders)
        {
            ["Streams:orders:Fields:shop:Type"] = "int64",
            ["Streams:orders:Indexes:by_customer:Fields"] = "customer",
            ["Streams:orders:Indexes:by_customer:Kind"] = "hash",
            ["Streams:orders:Indexes:by_shop:Fields"] = "shop",
            ["Streams:orders:Indexes:by_shop:Kind"] = "brin",
        });
        await TestSinks.Postgres(dataSource, options, catalog).MigrateAsync(CancellationToken.None);
        await ScalarAsync(dataSource, $"INSERT INTO {schema}.orders (event_id, ts, customer, total, shop) VALUES (gen_random_uuid(), '2026-12-01T07:00:00Z', 'ann', 12.5, 3)");
        var orders = catalog.Find("orders")!;
        var events = await new PostgresSinkQueries(dataSource, options).EventsAsync(
            orders, [(orders.Fields.First(field => field.Name == "customer"), "ann")], DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse("2026-12-02T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), 10, CancellationToken.None);

        Assert.Equal(
            $"CREATE INDEX orders_by_customer ON {schema}.orders USING hash (customer); CREATE INDEX orders_by_shop ON {schema}.orders USING brin (shop, ts); CREATE INDEX orders_ts ON {schema}.orders USING btree (ts)",
            await ScalarAsync(dataSource, $"SELECT string_agg(indexdef, '; ' ORDER BY indexname) FROM pg_indexes WHERE schemaname = '{schema}' AND tablename = 'orders'"));
        Assert.Equal(12.5, (double)Assert.Single(events).Values[orders.Fields.Skip(2).ToList().FindIndex(field => field.Name == "total")]!);
    }

    /// <summary>
    /// An evolution runs in one transaction: its session ended at its last statement (the version's record, held back
    /// by a lock), after it added the columns and built and filled the rollup, leaves the schema as it was — and the next
    /// start applies the whole evolution once.
    /// </summary>
    [SkippableFact]
    public async Task PostgresEvolution_EndedAtItsLastStatement_LeavesTheSchemaAsItWas_AndTheNextStartAppliesItWhole()
    {
        await using var store = TestPostgresSchema.Create("streams");
        var (dataSource, options, schema) = store;
        await TestSinks.Postgres(dataSource, options, Catalog(Orders)).MigrateAsync(CancellationToken.None);
        await ScalarAsync(dataSource, $"INSERT INTO {schema}.orders (event_id, ts, customer, total) VALUES (gen_random_uuid(), now(), 'ann', 12.5)");
        await using (var holder = await dataSource.OpenConnectionAsync())
        {
            await using var hold = await holder.BeginTransactionAsync();
            await using (var lockRecords = new NpgsqlCommand($"LOCK TABLE {schema}.stream_schemas IN EXCLUSIVE MODE", holder, hold))
            {
                await lockRecords.ExecuteNonQueryAsync();
            }

            var evolving = TestSinks.Postgres(dataSource, options, Catalog(Evolved)).MigrateAsync(CancellationToken.None);
            var waiting = await Poll.UntilAsync(
                () => ScalarAsync(dataSource, $"SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO {schema}.stream_schemas%'"),
                pid => pid is int, TimeSpan.FromSeconds(30));
            await ScalarAsync(dataSource, $"SELECT pg_terminate_backend({waiting})");
            await Assert.ThrowsAnyAsync<Exception>(() => evolving);
        }

        Assert.Equal("0 0 1", await ScalarAsync(dataSource,
            $"SELECT (SELECT count(*) FROM information_schema.columns WHERE table_schema = '{schema}' AND table_name = 'orders' AND column_name IN ('note', 'placed_at', 'extra'))"
            + $" || ' ' || (SELECT count(*) FROM information_schema.tables WHERE table_schema = '{schema}' AND table_name LIKE 'orders_daily%')"
            + $" || ' ' || (SELECT count(*) FROM {schema}.stream_schemas WHERE stream = 'orders')"));

        await TestSinks.Postgres(dataSource, options, Catalog(Evolved)).MigrateAsync(CancellationToken.None);

        Assert.Equal("3 2 2 1", await ScalarAsync(dataSource,
            $"SELECT (SELECT count(*) FROM information_schema.columns WHERE table_schema = '{schema}' AND table_name = 'orders' AND column_name IN ('note', 'placed_at', 'extra'))"
            + $" || ' ' || (SELECT count(*) FROM information_schema.tables WHERE table_schema = '{schema}' AND table_name LIKE 'orders_daily%')"
            + $" || ' ' || (SELECT count(*) FROM {schema}.stream_schemas WHERE stream = 'orders')"
            + $" || ' ' || (SELECT sum(count) FROM {schema}.orders_daily)"));
    }

    [Fact]
    public async Task SqliteTable_Evolves_ByNewOptionalFieldsRollupsAndBounds_AndRefusesAnyOtherChange_NamingIt()
    {
        var directory = Directory.CreateTempSubdirectory("clickorleans-streams-").FullName;
        var options = Options.Create(new SqliteSinkOptions { Path = Path.Combine(directory, "clicks.db") });
        try
        {
            List<string> refusals;
            {
                async Task MigrateAsync(StreamCatalog catalog)
                {
                    using var sink = TestSinks.Sqlite(options, catalog);
                    await sink.MigrateAsync(CancellationToken.None);
                }

                await MigrateAsync(Catalog(Orders));
                await ExecuteAsync(options, "INSERT INTO orders (event_id, ts, customer, total) VALUES (randomblob(16), 0, 'ann', 12.5)");
                refusals = await RefusalsAsync(() => MigrateAsync(Catalog(new(Orders) { ["Streams:orders:Fields:total:Type"] = "int64" })),
                    () => MigrateAsync(Catalog(new(Orders) { ["Streams:orders:Table"] = "purchases" })));
                await MigrateAsync(Catalog(Evolved));
                await MigrateAsync(Catalog(Evolved));
                await MigrateAsync(Catalog(Loosened));
                refusals.AddRange(await RefusalsAsync(() => MigrateAsync(Catalog(new(Loosened) { ["Streams:orders:Extra"] = "Reject" }))));
            }

            Assert.Contains("field total was [total float64], it is declared [total int64]: a field's type, and whether it is required, cannot change", refusals[0]);
            Assert.Contains("its table was orders, it is declared purchases: a stream's table cannot be renamed", refusals[1]);
            Assert.Contains(ExtraRefusal, refusals[2]);
            Assert.Equal("event_id BLOB 1, client_id TEXT 0, ts INTEGER 1, customer TEXT 0, total REAL 0, note TEXT 0, placed_at INTEGER 0, extra TEXT 0",
                await ExecuteAsync(options, "SELECT group_concat(name || ' ' || type || ' ' || \"notnull\", ', ') FROM pragma_table_info('orders')"));
            Assert.Equal("orders_by_note note,ts; orders_ts ts", await ExecuteAsync(options,
                "SELECT group_concat(name || ' ' || (SELECT group_concat(name, ',') FROM pragma_index_info(l.name)), '; ') FROM (SELECT name FROM pragma_index_list('orders') ORDER BY name) AS l"));
            Assert.Equal("ann null 3", await ExecuteAsync(options, "SELECT customer || ' ' || coalesce(note, 'null') || ' ' || (SELECT count(*) FROM stream_schemas WHERE stream = 'orders') FROM orders"));
            Assert.Equal("1 12.5", await ExecuteAsync(options, "SELECT count || ' ' || sum_total FROM orders_daily"));
            Assert.Equal("1 customer ann", await ExecuteAsync(options, "SELECT count(*) || ' ' || min(field) || ' ' || min(value) FROM orders_daily_values"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The built-in clicks stream extended: a new optional field, extra properties kept, a rollup and an index of its own.</summary>
    private static Dictionary<string, string?> ExtendedClicks => new()
    {
        ["Streams:clicks:Fields:referrer:Type"] = "string",
        ["Streams:clicks:Extra"] = "Keep",
        ["Streams:clicks:Rollups:hourly:Bucket"] = "PT1H",
        ["Streams:clicks:Rollups:hourly:By"] = "pid",
        ["Streams:clicks:Indexes:by_referrer:Fields"] = "referrer",
    };

    /// <summary>One click of user 8 on product 42 in the same hour as the stored one, with a referrer.</summary>
    private static EventBatch ReferredClick(EventRules rules) =>
        TestEvents.Batch(rules, "test-list", 0, 0, 1, [new TestEvent(0, Guid.NewGuid(), null, 1764573000000, [8L, 42L, "https://example.com/"])]);

    [SkippableFact]
    public async Task PostgresClicksTable_IsExtendedLikeAnyStream_ItsRowsKept_TheNewRollupFilled()
    {
        await using var store = TestPostgresSchema.Create("streams");
        var (dataSource, options, schema) = store;
        await TestSinks.Postgres(dataSource, options, Catalog([])).MigrateAsync(CancellationToken.None);
        await using (var stored = dataSource.CreateCommand($"INSERT INTO {schema}.clicks (event_id, uid, pid, ts) VALUES (gen_random_uuid(), 7, 42, '2025-12-01T07:10:00Z')"))
        {
            await stored.ExecuteNonQueryAsync();
        }

        var extended = Catalog(ExtendedClicks);
        var sink = TestSinks.Postgres(dataSource, options, extended);
        await sink.MigrateAsync(CancellationToken.None);
        await sink.MigrateAsync(CancellationToken.None);
        var rules = extended.RulesOf(extended.Clicks);
        var written = await sink.WriteAsync(ReferredClick(rules), CancellationToken.None);

        Assert.Equal(1, written.Written);
        Assert.Equal("7 42 null|8 42 https://example.com/", await ScalarAsync(dataSource,
            $"SELECT string_agg(uid || ' ' || pid || ' ' || coalesce(referrer, 'null'), '|' ORDER BY uid) FROM {schema}.clicks"));
        Assert.Equal("2025-12-01 07:00:00+00 42 2", await ScalarAsync(dataSource, $"SELECT bucket || ' ' || pid || ' ' || count FROM {schema}.clicks_hourly"));
        Assert.Equal(1m, await ScalarAsync(dataSource, $"SELECT sum(clicks) FROM {schema}.product_clicks_minute"));
        Assert.Equal("clicks_by_referrer", await ScalarAsync(dataSource, $"SELECT indexname FROM pg_indexes WHERE schemaname = '{schema}' AND indexname LIKE '%referrer%'"));
        Assert.Equal(2L, await ScalarAsync(dataSource, $"SELECT count(*) FROM {schema}.stream_schemas WHERE stream = 'clicks'"));
    }

    [Fact]
    public async Task SqliteClicksTable_IsExtendedLikeAnyStream_ItsRowsKept_TheNewRollupFilled()
    {
        var directory = Directory.CreateTempSubdirectory("clickorleans-streams-").FullName;
        var options = Options.Create(new SqliteSinkOptions { Path = Path.Combine(directory, "clicks.db") });
        try
        {
            using (var plain = TestSinks.Sqlite(options, Catalog([])))
            {
                await plain.MigrateAsync(CancellationToken.None);
            }

            await ExecuteAsync(options, "INSERT INTO clicks (event_id, uid, pid, ts) VALUES (randomblob(16), 7, 42, 1764573000000)");
            var extended = Catalog(ExtendedClicks);
            using (var sink = TestSinks.Sqlite(options, extended))
            {
                await sink.MigrateAsync(CancellationToken.None);
                var rules = extended.RulesOf(extended.Clicks);
                var written = await sink.WriteAsync(ReferredClick(rules), CancellationToken.None);
                Assert.Equal(1, written.Written);
            }

            Assert.Equal("7 42 null|8 42 https://example.com/", await ExecuteAsync(options,
                "SELECT group_concat(uid || ' ' || pid || ' ' || coalesce(referrer, 'null'), '|') FROM (SELECT * FROM clicks ORDER BY uid)"));
            Assert.Equal("1764572400000 42 2", await ExecuteAsync(options, "SELECT bucket || ' ' || pid || ' ' || count FROM clicks_hourly"));
            Assert.Equal(1L, await ExecuteAsync(options, "SELECT sum(clicks) FROM product_clicks_minute"));
            Assert.Equal(2L, await ExecuteAsync(options, "SELECT count(*) FROM stream_schemas WHERE stream = 'clicks'"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<object?> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }

    private const string ExtraRefusal = "its Extra was Keep, it is declared Reject: the extra column holds what was kept";

    /// <summary>The orders of <see cref="Orders"/> with two new optional fields, a new rollup and index, and extra properties kept.</summary>
    private static Dictionary<string, string?> Evolved => new(Orders)
    {
        ["Streams:orders:Extra"] = "Keep",
        ["Streams:orders:Indexes:by_note:Fields"] = "note",
        ["Streams:orders:Fields:note:Type"] = "string",
        ["Streams:orders:Fields:placed_at:Type"] = "timestamp",
        ["Streams:orders:Rollups:daily:Bucket"] = "P1D",
        ["Streams:orders:Rollups:daily:Sum"] = "total",
        ["Streams:orders:Rollups:daily:CountDistinct"] = "customer",
    };

    /// <summary><see cref="Evolved"/> with other bounds: the rules of what is staged, not the table's.</summary>
    private static Dictionary<string, string?> Loosened => new(Evolved)
    {
        ["Streams:orders:Fields:note:MaxLength"] = "4096",
        ["Streams:orders:Fields:total:Min"] = "0",
    };

    /// <summary>Each start refused for its changed declaration, its message.</summary>
    private static async Task<List<string>> RefusalsAsync(params Func<Task>[] starts)
    {
        var messages = new List<string>();
        foreach (var start in starts)
        {
            messages.Add((await Assert.ThrowsAsync<SchemaChangedException>(start)).Message);
        }

        return messages;
    }

    private static async Task<object?> ExecuteAsync(IOptions<SqliteSinkOptions> options, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={options.Value.Path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private static StreamCatalog Catalog(Dictionary<string, string?> settings) =>
        StreamCatalog.From(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), new ClickOptions());
}
