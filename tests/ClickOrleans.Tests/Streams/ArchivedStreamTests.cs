using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ClickOrleans.Streams;
using ClickOrleans.Tests.Infrastructure;

namespace ClickOrleans.Tests.Streams;

/// <summary>
/// A stream with two sinks (the fixtures' <c>orders</c>: the store and the Parquet archive), through the Api and the
/// drain: each event in both, once, and the archive read with DuckDB gives the store's rollup.
/// </summary>
public abstract class ArchivedStreamTests(ClusterFixture cluster)
{
    [SkippableFact]
    public async Task EachEvent_IsInTheStoreAndInTheArchiveOnce_AndTheArchiveGivesTheStoresRollup()
    {
        cluster.Require();
        var customer = "archived-" + Guid.NewGuid().ToString("N")[..12];
        await using var api = cluster.Api(new TestData().StagingKey);
        using var http = api.CreateClient();
        // Three whole hours 150 hours back: within Clicks:MaxClickAge, and clear of the hours BackfillTests takes.
        var now = DateTimeOffset.UtcNow;
        var placed = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(-150);
        var range = $"from={placed.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}&to={placed.AddHours(3).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}";
        var orders = Enumerable.Range(0, 150).Select(i => new
        {
            id = Guid.NewGuid().ToString("N"),
            customer,
            total = Math.Round(1.25 * i, 2),
            quantity = 1 + (i % 3),
            ts = placed.AddMinutes(i).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        }).ToArray();

        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/streams/orders/events/batch", orders)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/admin/streams/orders/drain", null)).StatusCode);

        var stored = await http.GetFromJsonAsync<JsonElement>($"/streams/orders/events?customer={customer}&{range}&limit=1000");
        var archived = TestLake.EventIds(cluster.Lake, "orders", $"customer = '{customer}'");
        Assert.Equal(orders.Select(order => Guid.ParseExact(order.id, "N")).Order(), archived.Order());
        Assert.Equal(orders.Select(order => order.id).Order(), stored.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetString()!).Order());

        var rollup = await http.GetFromJsonAsync<JsonElement>($"/streams/orders/rollups/per_customer_hour?customer={customer}&{range}");
        var fromStore = rollup.GetProperty("buckets").EnumerateArray()
            .Select(b => (b.GetProperty("start").GetDateTimeOffset(), b.GetProperty("count").GetInt64(), b.GetProperty("sums").GetProperty("total").GetDouble(), b.GetProperty("sums").GetProperty("quantity").GetDouble()))
            .ToArray();
        var fromArchive = TestLake.Query(cluster.Lake, "orders",
            $"SELECT date_trunc('hour', ts), count(*), sum(total), sum(quantity) FROM {TestLake.Files(cluster.Lake, "orders")} WHERE customer = '{customer}' GROUP BY 1 ORDER BY 1",
            reader => (new DateTimeOffset(reader.GetDateTime(0), TimeSpan.Zero), reader.GetInt64(1), reader.GetDouble(2), (double)reader.GetInt64(3)));
        Assert.Equal(3, fromStore.Length);
        Assert.Equal(fromStore, fromArchive);

        // The archive's own metric, as the operator reads it (every test of this cluster's orders counts in it).
        var archivedTotal = Regex.Match(await http.GetStringAsync("/metrics"), "clickorleans_archive_written_total\\{[^}]*stream=\"orders\"[^}]*\\} (\\d+)");
        Assert.True(archivedTotal.Success && long.Parse(archivedTotal.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= orders.Length, archivedTotal.Value);
    }

    /// <summary>
    /// The archive's ledger, read through the Api as a user reconciles: over the fixture's whole life it counts the
    /// events and XORs to the checksum the store's ledger does (the store's backfills aside, which only it commits), and
    /// to the checksum of every id in the lake by the README's DuckDB query. A sink the stream does not have is a 400 naming it.
    /// </summary>
    [SkippableFact]
    public async Task TheArchivesLedger_AgreesWithTheStoresAndWithTheLake()
    {
        cluster.Require();
        await using var api = cluster.Api(new TestData().StagingKey);
        using var http = api.CreateClient();
        var orders = Enumerable.Range(0, 40).Select(i => new { customer = "ledger-" + (i % 4), total = i + 0.5 });
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/streams/orders/events/batch", orders)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/admin/streams/orders/drain", null)).StatusCode);

        // The orders drain every two seconds: a chunk between its two commits is read again.
        var agreed = await Poll.UntilAsync(async () =>
        {
            var (archive, archiveEntries) = await LedgerAsync(http, StreamSinks.Parquet);
            var (_, storeEntries) = await LedgerAsync(http, cluster.Probe.Sink);
            var drained = storeEntries.Where(entry => !entry.PrivateList.StartsWith("backfill:", StringComparison.Ordinal)).ToList();
            return (archive, Entries: archiveEntries.Count, Store: (drained.Sum(entry => (long)entry.Events), TestLedger.Xor(drained.Select(entry => entry.Checksum))),
                Lake: TestLake.Checksum(cluster.Lake, "orders"));
        }, ledgers => (ledgers.archive.Events, ledgers.archive.Checksum) == ledgers.Store && ledgers.Store == ledgers.Lake, TimeSpan.FromSeconds(60));

        Assert.True(agreed.archive.Events >= 40 && agreed.archive.Commits == agreed.Entries, agreed.ToString());
        Assert.Equal(agreed.Store, (agreed.archive.Events, agreed.archive.Checksum));
        Assert.Equal(agreed.Lake, agreed.Store);

        var notArchived = await http.GetAsync("/streams/page_views/ledger?sink=parquet");
        Assert.Equal(HttpStatusCode.BadRequest, notArchived.StatusCode);
        Assert.Contains("must name the store (postgres or sqlite): stream page_views has no other sink", await notArchived.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The archive out of reach (its stream's directory replaced by a file) while orders drain: the drain fails naming
    /// it, and the stream's stats show the archive failing, with the reason, while the store's commits go on counting;
    /// once the archive is back, each sink has counted each order once and neither fails.
    /// </summary>
    [SkippableFact]
    public async Task ASinkDown_IsNamedInTheStreamsStats_AndEachSinkCountsEachEventOnceWhenItIsBack()
    {
        cluster.Require();
        await using var api = cluster.Api(new TestData().StagingKey);
        using var http = api.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/admin/streams/orders/drain", null)).StatusCode);
        var before = await SinksAsync(http);
        var store = cluster.Probe.Sink;
        var orders = Enumerable.Range(0, 30).Select(i => new { customer = "sink-down-" + (i % 3), total = i + 0.25 });
        var directory = Path.Combine(cluster.Lake, "stream=orders");
        Directory.Move(directory, directory + ".aside");
        File.WriteAllText(directory, "not a directory");
        HttpResponseMessage failed;
        Dictionary<string, SinkStats> down;
        try
        {
            Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/streams/orders/events/batch", orders)).StatusCode);
            failed = await http.PostAsync("/admin/streams/orders/drain", null);
            down = await SinksAsync(http);
        }
        finally
        {
            File.Delete(directory);
            Directory.Move(directory + ".aside", directory);
        }

        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/admin/streams/orders/drain", null)).StatusCode);
        var after = await SinksAsync(http);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Contains("The parquet sink's write of", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(down[StreamSinks.Parquet].FailuresInARow >= 1, down[StreamSinks.Parquet].ToString());
        Assert.StartsWith("The parquet sink's write of", down[StreamSinks.Parquet].LastFailure?.Reason, StringComparison.Ordinal);
        Assert.Equal(0, down[store].FailuresInARow);
        Assert.Equal(30, down[store].Written - Written(before, store));
        Assert.Equal(0, down[StreamSinks.Parquet].Written - Written(before, StreamSinks.Parquet));

        Assert.Equal((0L, 0L), (after[store].FailuresInARow, after[StreamSinks.Parquet].FailuresInARow));
        Assert.Equal((30L, 30L), (after[store].Written - Written(before, store), after[StreamSinks.Parquet].Written - Written(before, StreamSinks.Parquet)));
    }

    /// <summary>The orders stream's sinks as its stats show them, by name: none before either wrote.</summary>
    private static async Task<Dictionary<string, SinkStats>> SinksAsync(HttpClient http)
    {
        var stats = await http.GetFromJsonAsync<AggregatorStats>("/streams/orders/stats", System.Text.Json.JsonSerializerOptions.Web);
        return (stats?.Sinks ?? []).ToDictionary(sink => sink.Name);
    }

    private static long Written(Dictionary<string, SinkStats> sinks, string sink) => sinks.TryGetValue(sink, out var stats) ? stats.Written : 0;

    /// <summary>Every entry of a sink's ledger of the orders over the last 30 days, page by page through the Api, and the totals.</summary>
    private static async Task<(LedgerTotals Totals, List<LedgerEntry> Entries)> LedgerAsync(HttpClient http, string sink)
    {
        var range = $"from={DateTimeOffset.UtcNow.AddDays(-30).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}&to={DateTimeOffset.UtcNow.AddMinutes(1).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}";
        var entries = new List<LedgerEntry>();
        LedgerTotals? totals = null;
        for (long? after = 0; after is { } cursor;)
        {
            var page = await http.GetFromJsonAsync<StreamLedger>($"/streams/orders/ledger?sink={sink}&{range}&after={cursor}&limit=500")
                ?? throw new InvalidOperationException("no ledger");
            Assert.Equal(sink, page.Sink);
            totals ??= page.Totals;
            entries.AddRange(page.Entries);
            after = page.Next;
        }

        return (totals!, entries);
    }
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteArchivedStreamTests(SqliteClusterFixture cluster) : ArchivedStreamTests(cluster);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresArchivedStreamTests(PostgresClusterFixture cluster) : ArchivedStreamTests(cluster);
