using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
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
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteArchivedStreamTests(SqliteClusterFixture cluster) : ArchivedStreamTests(cluster);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresArchivedStreamTests(PostgresClusterFixture cluster) : ArchivedStreamTests(cluster);
