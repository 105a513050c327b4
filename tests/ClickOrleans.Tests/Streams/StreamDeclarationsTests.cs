using System.Text;
using ClickOrleans.Streams;
using ClickOrleans.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace ClickOrleans.Tests.Streams;

/// <summary>What a <c>Streams:&lt;name&gt;</c> declaration becomes, and what a wrong one is told, setting by setting.</summary>
public sealed class StreamDeclarationsTests
{
    [Fact]
    public void Declaration_BecomesItsSchema_FieldsByName_AfterIdAndTs_WithTheDefaults()
    {
        var (streams, failures) = Read(new()
        {
            ["Streams:orders:Description"] = "Orders placed",
            ["Streams:orders:Fields:total:Type"] = "float64",
            ["Streams:orders:Fields:total:Required"] = "true",
            ["Streams:orders:Fields:total:Min"] = "0",
            ["Streams:orders:Fields:customer:Type"] = "string",
            ["Streams:orders:Fields:customer:MaxLength"] = "64",
            ["Streams:orders:Fields:note:Type"] = "string",
            ["Streams:orders:Fields:paid:Type"] = "bool",
            ["Streams:orders:Fields:placed_at:Type"] = "timestamp",
            ["Streams:orders:Fields:quantity:Type"] = "int64",
            ["Streams:orders:Fields:quantity:Max"] = "1000",
            ["Streams:views:Fields:url:Type"] = "string",
            ["Streams:views:StagingKey"] = "page-views",
            ["Streams:views:Shards"] = "3",
            ["Streams:views:Table"] = "page_views",
            ["Streams:views:Extra"] = "Keep",
        });

        Assert.Empty(failures);
        Assert.Equal(["orders", "views"], streams.Select(s => s.Name));
        var orders = streams[0];
        Assert.Equal(("Orders placed", "orders-staging", 1, "orders", ExtraProperties.Reject), (orders.Description, orders.StagingKey, orders.Shards, orders.Table, orders.Extra));
        Assert.Equal(
            ["id String 64", "ts Timestamp", "customer String 64", "note String 256", "paid Bool", "placed_at Timestamp",
                "quantity Int64 ..1000", "total Float64 required 0.."],
            orders.Fields.Select(Describe));
        Assert.Equal(("page-views", 3, "page_views", ExtraProperties.Keep), (streams[1].StagingKey, streams[1].Shards, streams[1].Table, streams[1].Extra));
    }

    [Theory]
    [InlineData("Streams:clicks:Fields:uid:Type", "string", "Streams:clicks:Fields:uid is a field of the built-in clicks stream already")]
    [InlineData("Streams:clicks:StagingKey", "clicks", "Streams:clicks:StagingKey cannot be set: the built-in clicks stream's staging, tables and drain are set in the Clicks section")]
    [InlineData("Streams:clicks:Rollups:minute:Bucket", "PT1M", "Streams:clicks:Rollups:minute is one of the built-in clicks stream's already")]
    [InlineData("Streams:clicks:Indexes:clicks_uid_ts:Fields", "uid", "Streams:clicks:Indexes:clicks_uid_ts is one of the built-in clicks stream's already")]
    [InlineData("Streams:Page-Views:Fields:a:Type", "int64", "Streams:Page-Views: a stream's name must be 1 to 48 characters of a-z, 0-9 and _")]
    [InlineData("Streams:orders:Fields:total:Type", "money", "Streams:orders:Fields:total:Type must be one of int64, float64, bool, string, timestamp, uuid, decimal; it is 'money'.")]
    [InlineData("Streams:orders:Fields:total:Required", "yes", "Streams:orders:Fields:total:Required must be true or false.")]
    [InlineData("Streams:orders:Fields:ts:Type", "timestamp", "Streams:orders:Fields:ts: a field's name must be")]
    [InlineData("Streams:orders:Fields:total:Max", "-1", "Streams:orders:Fields:total:Min (0) is above Streams:orders:Fields:total:Max (-1).")]
    [InlineData("Streams:orders:Fields:total:MaxLength", "10", "Streams:orders:Fields:total:MaxLength is for string fields; this one is float64.")]
    [InlineData("Streams:orders:Fields:customer:MaxLength", "0", "Streams:orders:Fields:customer:MaxLength must be from 1 to 65536.")]
    [InlineData("Streams:orders:Fields:count:Min", "1.5", "Streams:orders:Fields:count:Min must be a number that is a 64-bit integer; it is '1.5'.")]
    [InlineData("Streams:orders:Fields:total:Unit", "EUR", "Streams:orders:Fields:total:Unit is not a setting of a field; they are Type, Required, Min, Max, MaxLength, Precision, Scale, Description.")]
    [InlineData("Streams:orders:Rollups:daily:Bucket", "P2D", "Streams:orders:Rollups:daily:Bucket must be an ISO 8601 duration of whole minutes from PT1M to P1D that divides a day")]
    [InlineData("Streams:orders:Rollups:daily:Bucket", "PT7M", "Streams:orders:Rollups:daily:Bucket must be an ISO 8601 duration")]
    [InlineData("Streams:orders:Rollups:daily:By", "total", "Streams:orders:Rollups:daily:By: 'total' must be a required string, int64 or bool field")]
    [InlineData("Streams:orders:Rollups:daily:By", "nothing", "Streams:orders:Rollups:daily:By: 'nothing' is not a declared field of the stream.")]
    [InlineData("Streams:orders:Rollups:daily:Sum", "customer", "Streams:orders:Rollups:daily:Sum: 'customer' must be a declared int64 or float64 field.")]
    [InlineData("Streams:orders:Rollups:daily:Colour", "red", "Streams:orders:Rollups:daily:Colour is not a setting of a rollup; they are Bucket, By, Sum, CountDistinct, Table.")]
    [InlineData("Streams:orders:Rollups:daily:CountDistinct", "total", "Streams:orders:Rollups:daily:CountDistinct: 'total' must be a declared string, int64 or uuid field.")]
    [InlineData("Streams:orders:Rollups:Daily:Bucket", "P1D", "Streams:orders:Rollups:Daily: a rollup's name must be 1 to 48 characters")]
    [InlineData("Streams:orders:Fields:fee:Type", "decimal", "Streams:orders:Fields:fee:Precision must be from 1 to 28 (a decimal needs Precision and Scale, e.g. 12 and 2).")]
    [InlineData("Streams:orders:Fields:total:Scale", "2", "Streams:orders:Fields:total:Precision and Streams:orders:Fields:total:Scale are for decimal fields; this one is float64.")]
    [InlineData("Streams:orders:Indexes:by_total:Fields", "total", "Streams:orders:Indexes:by_total:Fields: 'total' is float64; an index serves queries for equal values of string, int64, bool and uuid fields.")]
    [InlineData("Streams:orders:Indexes:by_ts:Fields", "ts", "Streams:orders:Indexes:by_ts:Fields: 'ts' is not a declared field of the stream (ts is the index's last column already).")]
    [InlineData("Streams:orders:Indexes:ts:Fields", "customer", "Streams:orders:Indexes:ts: an index's name must be")]
    [InlineData("Streams:orders:Indexes:by_customer:Kind", "gist", "Streams:orders:Indexes:by_customer:Kind must be btree (the default), hash or brin; it is 'gist'.")]
    [InlineData("Streams:orders:Indexes:by_customer:Unique", "true", "Streams:orders:Indexes:by_customer:Unique is not a setting of an index; it has Fields and Kind.")]
    [InlineData("Streams:orders:Colour", "red", "Streams:orders:Colour is not a setting of a stream; they are Description, Extra, Fields, Indexes, Rollups, Sinks, StagingKey, Shards, Table, FlushSize, DrainPeriod, DrainSchedule, ChunkSize, Partitions, Retention.")]
    [InlineData("Streams:orders:Retention", "P0D", "Streams:orders:Retention must be an ISO 8601 duration in days, P1D to P36500D (P30D): the store drops its events a UTC day at a time; it is 'P0D'.")]
    [InlineData("Streams:orders:Retention", "PT36H", "Streams:orders:Retention must be an ISO 8601 duration in days")]
    [InlineData("Streams:orders:Retention", "30", "Streams:orders:Retention must be an ISO 8601 duration in days")]
    [InlineData("Streams:clicks:Retention", "P1M", "Streams:clicks:Retention must be an ISO 8601 duration in days")]
    [InlineData("Streams:orders:Sinks:0", "kafka", "Streams:orders:Sinks names 'kafka'; a sink is one of postgres, sqlite, parquet.")]
    [InlineData("Streams:orders:Sinks:0", "parquet", "Streams:orders:Sinks must name the deployment's store once (postgres or sqlite)")]
    [InlineData("Streams:orders:Sinks", "postgres,parquet", "Streams:orders:Sinks names 'postgres,parquet'; a sink is one of postgres, sqlite, parquet.")]
    [InlineData("Streams:orders:Table", "drain_ledger", "Streams:orders:Table must be 1 to 48 characters")]
    [InlineData("Streams:orders:FlushSize", "-1", "Streams:orders:FlushSize must be a whole number from 0 to 9223372036854775807; it is '-1'.")]
    [InlineData("Streams:orders:FlushSize", "10000000", "Streams:orders:FlushSize (10000000) must be below Clicks:MaxBacklog (10000000), or 0")]
    [InlineData("Streams:orders:DrainPeriod", "1.00:00:01", "Streams:orders:DrainPeriod must be a time span from 00:00:01 to 1.00:00:00; it is '1.00:00:01'.")]
    [InlineData("Streams:orders:DrainSchedule", "61 * * * *", "Streams:orders:DrainSchedule (in Clicks:DrainScheduleTimeZone): ")]
    [InlineData("Streams:orders:ChunkSize", "0", "Streams:orders:ChunkSize must be a whole number from 1 to 1000000; it is '0'.")]
    [InlineData("Streams:orders:Partitions", "1025", "Streams:orders:Partitions must be a whole number from 1 to 1024; it is '1025'.")]
    [InlineData("Streams:orders:Extra", "keep", "Streams:orders:Extra must be Reject (a property the schema does not name is refused, the default) or Keep (kept as JSON in the table's extra column); it is 'keep'.")]
    [InlineData("Streams:orders:StagingKey", "product-click-staging", "Streams:orders:StagingKey 'product-click-staging' is the clicks stream's (Clicks:StagingKey)")]
    [InlineData("Streams:orders:StagingKey", "a{b}", "Streams:orders:StagingKey must be 1 to 200 characters")]
    [InlineData("Streams:orders:Shards", "0", "Streams:orders:Shards must be a whole number from 1 to 1024; it is '0'.")]
    [InlineData("Streams:orders:Table", "drain_progress", "Streams:orders:Table must be 1 to 48 characters")]
    [InlineData("Streams:views:Table", "orders", "Streams:orders, Streams:views: share the table 'orders'; every stream and rollup needs its own.")]
    [InlineData("Streams:views:StagingKey", "orders-staging", "Streams:orders, Streams:views: share the staging key 'orders-staging'; every stream needs its own.")]
    public void WrongSetting_IsRefused_NamingItsKey(string key, string value, string failure)
    {
        var (streams, failures) = Read(new()
        {
            ["Streams:orders:Fields:total:Type"] = "float64",
            ["Streams:orders:Fields:total:Min"] = "0",
            ["Streams:orders:Fields:customer:Type"] = "string",
            ["Streams:orders:Fields:count:Type"] = "int64",
            ["Streams:views:Fields:url:Type"] = "string",
            [key] = value,
        });

        Assert.Contains(failures, message => message.StartsWith(failure, StringComparison.Ordinal));
        Assert.DoesNotContain(streams, stream => key.StartsWith($"Streams:{stream.Name}:", StringComparison.Ordinal) && !failure.Contains("share", StringComparison.Ordinal));
    }

    /// <summary>A stream lists its sinks (clicks too); a silo whose store is not the one a stream names stops at start.</summary>
    [Fact]
    public void Sinks_AreTheStoreAndTheArchive_AndAStartOnTheOtherStoreStops()
    {
        var catalog = StreamCatalog.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Streams:orders:Fields:customer:Type"] = "string",
            ["Streams:orders:Sinks:0"] = "postgres",
            ["Streams:orders:Sinks:1"] = "parquet",
            ["Streams:views:Fields:url:Type"] = "string",
            ["Streams:clicks:Sinks:0"] = "postgres",
        }).Build(), new ClickOptions());

        Assert.Equal((true, false, false), (catalog.Find("orders")!.Archived, catalog.Find("views")!.Archived, catalog.Clicks.Archived));
        Assert.Equal(["postgres"], catalog.Clicks.Sinks);
        StreamSinks.RequireStore(catalog, StreamSinks.Postgres);
        var refused = Assert.Throws<InvalidOperationException>(() => StreamSinks.RequireStore(catalog, StreamSinks.Sqlite));
        Assert.StartsWith("Streams:<name>:Sinks of clicks, orders name another store than this deployment's, which is sqlite", refused.Message);
    }

    /// <summary>
    /// A retention, on clicks and a declared stream, is whole days, and what the store surely keeps starts at a UTC day;
    /// the SQLite store, without partitions to drop, refuses it at start.
    /// </summary>
    [Fact]
    public void Retention_IsWholeDays_KeptFromTheStartOfADay_AndTheSqliteStoreRefusesIt()
    {
        var catalog = StreamCatalog.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Streams:orders:Fields:customer:Type"] = "string",
            ["Streams:orders:Retention"] = "P30D",
            ["Streams:views:Fields:url:Type"] = "string",
            ["Streams:clicks:Retention"] = "P7D",
        }).Build(), new ClickOptions());
        var now = new DateTimeOffset(2026, 12, 7, 16, 30, 0, TimeSpan.Zero);

        Assert.Equal((TimeSpan.FromDays(30), TimeSpan.FromDays(7), null), (catalog.Find("orders")!.RetentionPeriod, catalog.Clicks.RetentionPeriod, catalog.Find("views")!.RetentionPeriod));
        Assert.Equal(new DateTimeOffset(2026, 11, 7, 0, 0, 0, TimeSpan.Zero), catalog.Find("orders")!.KeptSince(now));
        Assert.Null(catalog.Find("views")!.KeptSince(now));

        // The day that ended 7 days ago is dropped; the one that ends a minute later is not.
        Assert.True(catalog.Clicks.IsExpired(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero)));
        Assert.False(catalog.Clicks.IsExpired(new DateTimeOffset(2026, 11, 30, 0, 1, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero)));

        StreamSinks.RequireStore(catalog, StreamSinks.Postgres);
        var refused = Assert.Throws<InvalidOperationException>(() => StreamSinks.RequireStore(catalog, StreamSinks.Sqlite));
        Assert.StartsWith("Streams:clicks:Retention, Streams:orders:Retention: a retention drops the PostgreSQL store's day partitions; the embedded SQLite store", refused.Message);
    }

    [Fact]
    public void AnIndex_EndsWithTs_AndMayNotTakeTheNameOfARollupsTable()
    {
        var (streams, failures) = Read(new()
        {
            ["Streams:orders:Fields:customer:Type"] = "string",
            ["Streams:orders:Fields:shop:Type"] = "int64",
            ["Streams:orders:Indexes:by_customer:Fields:0"] = "customer",
            ["Streams:orders:Indexes:by_customer:Fields:1"] = "shop",
        });
        var (_, clash) = Read(new()
        {
            ["Streams:orders:Fields:customer:Type"] = "string",
            ["Streams:orders:Fields:customer:Required"] = "true",
            ["Streams:orders:Indexes:daily:Fields"] = "customer",
            ["Streams:orders:Rollups:daily:Bucket"] = "P1D",
        });

        Assert.Empty(failures);
        Assert.Equal(["customer", "shop", "ts"], Assert.Single(streams[0].Indexes).Fields);
        Assert.Contains("Streams:orders:Rollups:daily, Streams:orders:Indexes:daily: share the table 'orders_daily'; every stream and rollup needs its own.", clash);
    }

    [Fact]
    public void Rollup_IsReadWithItsDefaults_AndMayNotTakeAnotherTable()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Streams:orders:Fields:total:Type"] = "float64",
            ["Streams:orders:Fields:quantity:Type"] = "int64",
            ["Streams:orders:Fields:customer:Type"] = "string",
            ["Streams:orders:Fields:customer:Required"] = "true",
            ["Streams:orders:Rollups:per_customer:Bucket"] = "PT1H",
            ["Streams:orders:Rollups:per_customer:By:0"] = "customer",
            ["Streams:orders:Rollups:per_customer:Sum:0"] = "total",
            ["Streams:orders:Rollups:per_customer:Sum:1"] = "quantity",
            ["Streams:orders:Rollups:hourly:Bucket"] = "PT1H",
        };

        var (streams, failures) = Read(settings);
        var (_, clash) = Read(new(settings) { ["Streams:orders:Rollups:hourly:Table"] = "orders" });

        Assert.Empty(failures);
        var rollups = Assert.Single(streams).Rollups.OrderBy(rollup => rollup.Name).ToArray();
        Assert.Equal(("hourly", "PT1H", 3_600_000L, "orders_hourly"), (rollups[0].Name, rollups[0].Bucket, rollups[0].BucketMs, rollups[0].Table));
        Assert.Equal(["customer"], rollups[1].By);
        Assert.Equal(["count", "sum(total)", "sum(quantity)"], rollups[1].Measures);
        Assert.Equal("orders_per_customer", rollups[1].Table);
        Assert.Contains("Streams:orders, Streams:orders:Rollups:hourly: share the table 'orders'; every stream and rollup needs its own.", clash);
    }

    /// <summary>The README's example, copied from the README as a user would: it reads without failure and is the stream the tests run.</summary>
    [Fact]
    public void TheReadmesExampleStream_Reads_AndIsTheOneTheTestsRun()
    {
        var readme = File.ReadAllText(Path.Combine(BuiltHost.RepositoryRoot, "README.md"));
        var section = readme[readme.IndexOf("### Streams", StringComparison.Ordinal)..];
        var start = section.IndexOf("```json", StringComparison.Ordinal) + "```json".Length;
        var json = section[start..section.IndexOf("```", start, StringComparison.Ordinal)];
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

        var fromReadme = StreamCatalog.From(configuration, new ClickOptions());
        var fromTests = StreamCatalog.From(new ConfigurationBuilder().AddInMemoryCollection(ClusterFixture.Orders).Build(), new ClickOptions());

        Assert.Equal(SchemaVersion.Of(fromTests.Declared.Single()).Definition, SchemaVersion.Of(fromReadme.Declared.Single()).Definition);
    }

    [Fact]
    public void StreamWithoutFields_IsRefused()
    {
        var (streams, failures) = Read(new() { ["Streams:orders:Shards"] = "2" });

        Assert.Empty(streams);
        Assert.Equal(["Streams:orders:Fields declares no field; a stream has at least one beside id and ts (Fields:<name>:Type)."], failures);
    }

    /// <summary>A list taken over under a recorded version is read by that version's rules, rebuilt from its definition: the same schema.</summary>
    [Fact]
    public void ARecordedDefinition_ReadsBackAsTheSchemaItDescribes()
    {
        var (streams, failures) = Read(new()
        {
            ["Streams:orders:Fields:customer:Type"] = "string",
            ["Streams:orders:Fields:customer:Required"] = "true",
            ["Streams:orders:Fields:customer:MaxLength"] = "64",
            ["Streams:orders:Fields:total:Type"] = "float64",
            ["Streams:orders:Fields:total:Min"] = "-1.5",
            ["Streams:orders:Fields:quantity:Type"] = "int64",
            ["Streams:orders:Fields:quantity:Max"] = "1000",
            ["Streams:orders:Fields:fee:Type"] = "decimal",
            ["Streams:orders:Fields:fee:Precision"] = "6",
            ["Streams:orders:Fields:fee:Scale"] = "2",
            ["Streams:orders:Fields:voucher:Type"] = "uuid",
            ["Streams:orders:Fields:at:Type"] = "timestamp",
            ["Streams:orders:Fields:paid:Type"] = "bool",
            ["Streams:orders:Extra"] = "Keep",
            ["Streams:orders:Indexes:by_customer:Fields"] = "customer",
        });
        var orders = Assert.Single(streams);
        var version = SchemaVersion.Of(orders);

        var read = SchemaVersion.ToSchema(version.Definition, orders);

        Assert.Empty(failures);
        Assert.Equal(version, SchemaVersion.Of(read));
        Assert.Equal(orders.Fields, read.Fields);
    }

    [Fact]
    public void ClicksExtension_AddsItsFieldsRollupsAndIndexes_AfterTheBuiltInOnes()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Streams:clicks:Fields:referrer:Type"] = "string",
            ["Streams:clicks:Fields:referrer:MaxLength"] = "2048",
            ["Streams:clicks:Fields:campaign:Type"] = "string",
            ["Streams:clicks:Extra"] = "Keep",
            ["Streams:clicks:Rollups:hourly:Bucket"] = "PT1H",
            ["Streams:clicks:Rollups:hourly:By"] = "pid",
            ["Streams:clicks:Indexes:by_referrer:Fields"] = "referrer",
        }).Build();
        var failures = new List<string>();

        var (clicks, declared) = StreamDeclarations.Read(configuration, new ClickOptions(), failures);

        Assert.Empty(failures);
        Assert.Empty(declared);
        Assert.Equal(["id", "ts", "uid", "pid", "campaign", "referrer"], clicks.Fields.Select(field => field.Name));
        Assert.Equal((ExtraProperties.Keep, "clicks", StagingDefaults.StagingKey), (clicks.Extra, clicks.Table, clicks.StagingKey));
        Assert.Equal([("minute", "product_clicks_minute"), ("hourly", "clicks_hourly")], clicks.Rollups.Select(rollup => (rollup.Name, rollup.Table)));
        Assert.Equal(["clicks_uid_ts", "by_referrer"], clicks.Indexes.Select(index => index.Name));
    }

    private static (IReadOnlyList<StreamSchema> Streams, List<string> Failures) Read(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var failures = new List<string>();
        return (StreamDeclarations.Read(configuration, new ClickOptions(), failures).Declared, failures);
    }

    private static string Describe(StreamField field) =>
        string.Join(" ", new[]
        {
            field.Name, field.Type.ToString(), field.Required ? "required" : null,
            field.MaxLength?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            field.Min is null && field.Max is null ? null : $"{field.Min}..{field.Max}",
        }.OfType<string>());
}
