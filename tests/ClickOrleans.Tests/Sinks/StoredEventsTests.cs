using ClickOrleans.Sinks;
using ClickOrleans.Sinks.Sqlite;
using ClickOrleans.Streams;
using ClickOrleans.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Tests.Sinks;

/// <summary>
/// What a backfill asks a store before it writes, on both stores, for the built-in clicks (looked up through
/// <c>clicks_uid_ts</c>) and a declared stream (through its ts index): which of an archive chunk's events it holds,
/// by id and time; and which tables hold data of a range, the rollups' from the bucket the range starts in.
/// </summary>
[Trait("Category", "AnyRedis")]
public sealed class StoredEventsTests
{
    private static readonly DateTimeOffset Hour = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);

    private static readonly StreamCatalog Streams = StreamCatalog.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Streams:orders:Fields:customer:Type"] = "string",
        ["Streams:orders:Fields:customer:Required"] = "true",
        ["Streams:orders:Rollups:per_customer_day:Bucket"] = "P1D",
        ["Streams:orders:Rollups:per_customer_day:By:0"] = "customer",
    }).Build(), new ClickOptions());

    [SkippableFact]
    public async Task Postgres_FindsTheEventsItHolds_AndTheTablesHoldingARange()
    {
        await using var store = TestPostgresSchema.Create("stored");
        var (dataSource, options, _) = store;
        var sink = TestSinks.Postgres(dataSource, options, Streams);
        await sink.MigrateAsync(CancellationToken.None);
        await AssertLookupsAsync(sink);
    }

    [Fact]
    public async Task Sqlite_FindsTheEventsItHolds_AndTheTablesHoldingARange()
    {
        var directory = Directory.CreateTempSubdirectory("clickorleans-stored-").FullName;
        try
        {
            using var sink = TestSinks.Sqlite(Options.Create(new SqliteSinkOptions { Path = Path.Combine(directory, "clicks.db") }), Streams);
            await sink.MigrateAsync(CancellationToken.None);
            await AssertLookupsAsync(sink);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task AssertLookupsAsync(IEventSink sink)
    {
        foreach (var (stream, values) in new (string, Func<int, object?[]>)[] { ("clicks", i => [7L + (i % 3), 42L]), ("orders", i => [$"customer-{i % 3}"]) })
        {
            var rules = Streams.RulesOf(Streams.Find(stream)!);
            var events = Enumerable.Range(0, 10)
                .Select(i => new TestEvent(i, Guid.CreateVersion7(), null, Hour.AddMinutes(5 * i).ToUnixTimeMilliseconds(), values(i)))
                .ToArray();
            await sink.WriteAsync(TestEvents.Batch(rules, $"stored-{stream}", 0, 0, 6, events[..6]), CancellationToken.None);

            // The stored events, the others, and a stored id at another time (no event of the store).
            var asked = events.Append(events[0] with { TimestampMs = events[0].TimestampMs + 1 }).ToArray();
            var stored = await sink.StoredAsync(stream, TestEvents.Rows(rules, asked), CancellationToken.None);

            Assert.Equal(events[..6].Select(e => e.EventId).Order(), stored.Order());
        }

        Assert.Equal(["clicks", "product_clicks_minute"], await sink.HoldingAsync("clicks", Hour, Hour.AddHours(1), CancellationToken.None));
        Assert.Empty(await sink.HoldingAsync("clicks", Hour.AddHours(1), Hour.AddHours(2), CancellationToken.None));

        // The day's bucket of the rollup holds the range's events, even where the table has none of it.
        Assert.Equal(["orders", "orders_per_customer_day"], await sink.HoldingAsync("orders", Hour, Hour.AddHours(1), CancellationToken.None));
        Assert.Equal(["orders_per_customer_day"], await sink.HoldingAsync("orders", Hour.AddHours(2), Hour.AddHours(3), CancellationToken.None));
        Assert.Empty(await sink.HoldingAsync("orders", Hour.AddDays(1), Hour.AddDays(2), CancellationToken.None));
    }
}
