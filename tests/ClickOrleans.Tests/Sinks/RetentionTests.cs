using ClickOrleans.Sinks.Postgres;
using ClickOrleans.Streams;
using ClickOrleans.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Tests.Sinks;

/// <summary>
/// Retention on PostgreSQL: a stream with one is stored in a partition per UTC day; the retention service drops the
/// days past it whole, on its schedule, and leaves the rollups; a table that held events before its stream had a
/// retention becomes its first partition, whole; a partition another silo dropped is created again by the next write,
/// which refuses nothing.
/// </summary>
[Trait("Category", "AnyRedis")]
public sealed class RetentionTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(1);

    private static StreamCatalog Catalog(string? retention) => StreamCatalog.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Streams:orders:Fields:customer:Type"] = "string",
        ["Streams:orders:Fields:customer:Required"] = "true",
        ["Streams:orders:Rollups:per_customer_day:Bucket"] = "P1D",
        ["Streams:orders:Rollups:per_customer_day:By:0"] = "customer",
        ["Streams:orders:Retention"] = retention,
        ["Streams:clicks:Retention"] = retention,
    }).Build(), new ClickOptions());

    [SkippableFact]
    public async Task AStreamWithARetention_IsStoredADayAPartition_AndTheServiceDropsTheDaysPastIt_KeepingTheRollups()
    {
        await using var store = TestPostgresSchema.Create("retention");
        var streams = Catalog("P3D");
        var sink = TestSinks.Postgres(store.DataSource, store.Options, streams);
        await sink.MigrateAsync(CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        var events = Orders(now, daysBack: [6, 4, 1, 0]);
        var result = await sink.WriteAsync(TestEvents.Batch(streams.RulesOf(streams.Find("orders")!), "retention-orders", 0, 0, events.Length, events), CancellationToken.None);
        Assert.Equal((events.Length, 0), (result.Written, result.Refused.Length));
        Assert.Equal(DayPartitions("orders", now, [6, 4, 1, 0]), await sink.PartitionsAsync("orders", CancellationToken.None));

        // The clicks' table, created empty by the store's own migrations, is replaced: its first click makes a day partition.
        var click = Clicks(0, Day(now, 0).AddHours(12));
        await sink.WriteAsync(TestEvents.Batch(streams.RulesOf(streams.Clicks), "retention-clicks", 0, 0, 1, click), CancellationToken.None);
        Assert.Equal(DayPartitions("clicks", now, [0]), await sink.PartitionsAsync("clicks", CancellationToken.None));
        Assert.Equal(["clicks_uid_ts"], await IndexesAsync(store, "clicks"));

        var options = Options.Create(new PostgresSinkOptions { Schema = store.Schema, RetentionCheckPeriod = TimeSpan.FromMilliseconds(200) });
        using var service = new PostgresRetentionService(sink, streams, options, TimeProvider.System, NullLogger<PostgresRetentionService>.Instance);
        await service.StartAsync(CancellationToken.None);
        try
        {
            await Poll.UntilAsync(() => sink.PartitionsAsync("orders", CancellationToken.None), partitions => partitions.Count == 2, Deadline);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }

        Assert.Equal(DayPartitions("orders", now, [1, 0]), await sink.PartitionsAsync("orders", CancellationToken.None));
        Assert.Equal(events[10..].Select(e => e.EventId).Order(), (await IdsAsync(store, "orders")).Order());
        Assert.Equal(events.Length, await ScalarAsync<long>(store, $"SELECT sum(count) FROM {store.Schema}.orders_per_customer_day"));
    }

    [SkippableFact]
    public async Task ATableThatHoldsEvents_BecomesItsFirstPartition_Whole_WhenItsStreamGetsARetention()
    {
        await using var store = TestPostgresSchema.Create("retention");
        var before = TestSinks.Postgres(store.DataSource, store.Options, Catalog(null));
        await before.MigrateAsync(CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        var old = Clicks(0, now.AddDays(-10), now.AddHours(-1));
        var rules = Catalog(null).RulesOf(Catalog(null).Find("clicks")!);
        await before.WriteAsync(TestEvents.Batch(rules, "retention-clicks", 0, 0, old.Length, old), CancellationToken.None);
        Assert.Empty(await before.PartitionsAsync("clicks", CancellationToken.None));

        var streams = Catalog("P3D");
        var sink = TestSinks.Postgres(store.DataSource, store.Options, streams);
        await sink.MigrateAsync(CancellationToken.None);
        var tomorrow = now.UtcDateTime.Date.AddDays(1);
        var first = $"clicks_to{tomorrow:yyyyMMdd}";
        Assert.Equal([first], await sink.PartitionsAsync("clicks", CancellationToken.None));
        Assert.Equal(old.Select(e => e.EventId).Order(), (await IdsAsync(store, "clicks")).Order());
        Assert.Equal(["clicks_uid_ts"], await IndexesAsync(store, "clicks")); // the partition's own index attached to it, not built again
        Assert.Equal([$"{first}_0"], await IndexesAsync(store, first));

        // A later day gets a partition of its own; a second start changes nothing.
        var later = new DateTimeOffset(tomorrow.AddDays(1).AddHours(3), TimeSpan.Zero);
        var next = Clicks(old.Length, later, later.AddMinutes(1));
        await sink.WriteAsync(TestEvents.Batch(streams.RulesOf(streams.Find("clicks")!), "retention-clicks", 0, old.Length, old.Length + next.Length, next), CancellationToken.None);
        await TestSinks.Postgres(store.DataSource, store.Options, streams).MigrateAsync(CancellationToken.None);
        Assert.Equal([first, $"clicks_{later:yyyyMMdd}"], await sink.PartitionsAsync("clicks", CancellationToken.None));

        Assert.Empty(await sink.DropExpiredAsync("clicks", now, CancellationToken.None));
        Assert.Equal([first], await sink.DropExpiredAsync("clicks", new DateTimeOffset(tomorrow.AddDays(3), TimeSpan.Zero), CancellationToken.None));
        Assert.Equal(next.Select(e => e.EventId).Order(), (await IdsAsync(store, "clicks")).Order());
        Assert.Equal(old.Length + next.Length, await ScalarAsync<long>(store, $"SELECT sum(clicks) FROM {store.Schema}.product_clicks_minute"));
    }

    /// <summary>
    /// Two sinks, as two silos: one drops every partition (its retention pass, as seen days later) after the other
    /// wrote, so the other's knowledge is stale; its next write of the same day finds no partition, creates it again
    /// and writes every event, refusing none.
    /// </summary>
    [SkippableFact]
    public async Task APartitionAnotherSiloDropped_IsCreatedAgainByTheNextWrite_WhichRefusesNothing()
    {
        await using var store = TestPostgresSchema.Create("retention");
        var streams = Catalog("P3D");
        var rules = streams.RulesOf(streams.Find("orders")!);
        var dropping = TestSinks.Postgres(store.DataSource, store.Options, streams);
        await dropping.MigrateAsync(CancellationToken.None);
        var writing = TestSinks.Postgres(store.DataSource, store.Options, streams);
        await writing.MigrateAsync(CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        var first = Orders(now, daysBack: [0]);
        await writing.WriteAsync(TestEvents.Batch(rules, "retention-stale", 0, 0, first.Length, first), CancellationToken.None);

        Assert.Equal(DayPartitions("orders", now, [0]), await dropping.DropExpiredAsync("orders", now.AddDays(10), CancellationToken.None));

        var second = Orders(now, daysBack: [0]).Select((e, i) => e with { Position = first.Length + i }).ToArray();
        var result = await writing.WriteAsync(TestEvents.Batch(rules, "retention-stale", 0, first.Length, first.Length + second.Length, second), CancellationToken.None);
        Assert.Equal((second.Length, 0), (result.Written, result.Refused.Length));
        Assert.Equal(second.Select(e => e.EventId).Order(), (await IdsAsync(store, "orders")).Order());
    }

    /// <summary>Five orders from noon (UTC) of each day <paramref name="daysBack"/> days before <paramref name="now"/>'s.</summary>
    private static TestEvent[] Orders(DateTimeOffset now, int[] daysBack) =>
        [.. daysBack.SelectMany(days => Enumerable.Range(0, 5).Select(i => Day(now, days).AddHours(12).AddMinutes(i)))
            .Select((ts, position) => new TestEvent(position, Guid.CreateVersion7(), null, ts.ToUnixTimeMilliseconds(), [$"customer-{position % 3}"]))];

    private static TestEvent[] Clicks(int firstPosition, params DateTimeOffset[] times) =>
        [.. times.Select((ts, i) => new TestEvent(firstPosition + i, Guid.CreateVersion7(), null, ts.ToUnixTimeMilliseconds(), [7L + i, 42L]))];

    private static string[] DayPartitions(string table, DateTimeOffset now, int[] daysBack) =>
        [.. daysBack.Select(days => $"{table}_{Day(now, days):yyyyMMdd}").Order(StringComparer.Ordinal)];

    private static DateTimeOffset Day(DateTimeOffset now, int daysBack) => new(now.UtcDateTime.Date.AddDays(-daysBack), TimeSpan.Zero);

    private static Task<List<Guid>> IdsAsync(TestPostgresSchema store, string table) =>
        ColumnAsync<Guid>(store, $"SELECT event_id FROM {store.Schema}.{table}");

    private static Task<List<string>> IndexesAsync(TestPostgresSchema store, string table) =>
        ColumnAsync<string>(store, $"SELECT indexname FROM pg_indexes WHERE schemaname = '{store.Schema}' AND tablename = '{table}' ORDER BY 1");

    private static async Task<List<T>> ColumnAsync<T>(TestPostgresSchema store, string sql)
    {
        await using var command = store.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<T>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetFieldValue<T>(0));
        }

        return values;
    }

    private static async Task<T> ScalarAsync<T>(TestPostgresSchema store, string sql)
    {
        await using var command = store.DataSource.CreateCommand(sql);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}
