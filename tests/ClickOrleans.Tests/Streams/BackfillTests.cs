using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClickOrleans.Sinks.Parquet;
using ClickOrleans.Tests.Infrastructure;

namespace ClickOrleans.Tests.Streams;

/// <summary>
/// Backfill through the Api and the cluster, on both stores: a range of the fixtures' archived <c>orders</c> that the
/// store lost is loaded again from the Parquet archive, each event once, with its rollup; a second backfill of it is
/// refused; an attempt that fails half-way is resumed by the reminder and still stores each event once.
/// </summary>
public abstract class BackfillTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    [SkippableFact]
    public async Task ARangeTheStoreLost_IsLoadedFromTheArchive_EachEventOnce_AndASecondBackfillIsRefused()
    {
        cluster.Require();
        await using var api = cluster.Api(new TestData().StagingKey);
        using var http = api.CreateClient();
        var (customer, from) = await DrainOrdersAsync(http, (6, 70));
        var before = await StoredAsync(http, customer, from);
        Assert.Equal(70, before.Ids.Length);
        await LoseAsync(from);
        Assert.Empty((await StoredAsync(http, customer, from)).Ids);

        var started = await StartAsync(http, from);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.EndsWith("/admin/streams/orders/backfill", started.Headers.Location?.ToString(), StringComparison.Ordinal);
        var status = await EndedAsync(http);

        Assert.Equal(("done", 2, 2, 70, 70, 0, 0), Figures(status));
        var after = await StoredAsync(http, customer, from);
        Assert.Equal(before.Ids, after.Ids);
        Assert.Equal(before.Buckets, after.Buckets);

        var again = await StartAsync(http, from);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("already holds data of 'orders'", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var stats = await http.GetFromJsonAsync<JsonElement>("/streams/orders/stats");
        Assert.Equal("done", stats.GetProperty("backfill").GetProperty("state").GetString());
        Assert.Equal(before.Ids, (await StoredAsync(http, customer, from)).Ids);
    }

    /// <summary>
    /// A store that holds the range wrong (its first hour's events lost, its rollup still counting them, as after a
    /// partial restore) refuses a backfill; a replace deletes the range's events and rollup buckets, waits for the drains
    /// (the orders' drain every two seconds), and loads the archive: each event once, the rollup as it was.
    /// </summary>
    [SkippableFact]
    public async Task ARangeTheStoreHoldsWrong_IsReplacedFromTheArchive_EachEventOnce()
    {
        cluster.Require();
        await using var api = cluster.Api(new TestData().StagingKey);
        using var http = api.CreateClient();
        var (customer, from) = await DrainOrdersAsync(http, (3, 5));
        var before = await StoredAsync(http, customer, from);
        await cluster.Probe.DeleteRangeAsync("orders", "ts", from, from.AddHours(1));
        Assert.Equal(30, (await StoredAsync(http, customer, from)).Ids.Length);
        Assert.Equal(HttpStatusCode.Conflict, (await StartAsync(http, from)).StatusCode);

        var replace = await http.PostAsJsonAsync("/admin/streams/orders/backfill", new { from, to = from.AddHours(2), sink = cluster.Probe.Sink, replace = true });
        Assert.Equal(HttpStatusCode.Accepted, replace.StatusCode);
        var status = await EndedAsync(http);

        Assert.Equal(("done", 2, 2, 70, 70, 0, 0), Figures(status));
        Assert.True(status.GetProperty("replace").GetBoolean());
        Assert.Equal(JsonValueKind.String, status.GetProperty("replaceWatermark").ValueKind);
        var after = await StoredAsync(http, customer, from);
        Assert.Equal(before.Ids, after.Ids);
        Assert.Equal(before.Buckets, after.Buckets);
    }

    /// <summary>
    /// The archive's second hour holds a file no Parquet reader can read, sorted after its real files: the first
    /// attempt loads the first hour and the second hour's real files, then fails there; the error is in the status and
    /// the backfill keeps running. Once the file is gone, the reminder's next attempt goes on from the second hour, finds
    /// its events stored, and leaves them out.
    /// </summary>
    [SkippableFact]
    public async Task AnAttemptThatFailsHalfway_IsResumedByTheReminder_AndStoresEachEventOnce()
    {
        cluster.Require();
        await using var api = cluster.Api(new TestData().StagingKey);
        using var http = api.CreateClient();
        var (customer, from) = await DrainOrdersAsync(http, (72, 140));
        var before = await StoredAsync(http, customer, from);
        await LoseAsync(from);
        var unreadable = Path.Combine(cluster.Lake, "stream=orders", ParquetArchive.HourDirectory(from.AddHours(1)), "zz-unreadable.parquet");
        await File.WriteAllTextAsync(unreadable, "not a Parquet file");
        try
        {
            Assert.Equal(HttpStatusCode.Accepted, (await StartAsync(http, from)).StatusCode);
            var failed = await Poll.UntilAsync(() => StatusAsync(http), status => status.GetProperty("error").ValueKind == JsonValueKind.String, Deadline);
            Assert.True(failed.GetProperty("state").GetString() == "running", failed.ToString());
            Assert.True(failed.GetProperty("hoursDone").GetInt32() == 1, failed.ToString());
            Assert.Equal(70, failed.GetProperty("written").GetInt64());
            Assert.Contains($"The archive file '{unreadable}' could not be read", failed.GetProperty("error").GetString(), StringComparison.Ordinal);

            File.Delete(unreadable);
            var status = await EndedAsync(http);

            var (state, hours, hoursDone, read, written, alreadyStored, refused) = Figures(status);
            Assert.Equal(("done", 2, 2, 70, 0), (state, hours, hoursDone, written, refused));
            Assert.Equal(30, alreadyStored);
            Assert.Equal(100, read);
            Assert.True(status.GetProperty("attempts").GetInt32() >= 2);
            Assert.Equal(before.Ids, (await StoredAsync(http, customer, from)).Ids);
            Assert.Equal(before.Buckets, (await StoredAsync(http, customer, from)).Buckets);
        }
        finally
        {
            File.Delete(unreadable);
        }
    }

    [SkippableFact]
    public async Task ABackfillThatCannotBe_IsRefusedWithTheReason_AndStartsNothing()
    {
        cluster.Require();
        await using var api = cluster.Api(new TestData().StagingKey);
        using var http = api.CreateClient();
        var hour = new DateTimeOffset(2024, 3, 1, 5, 0, 0, TimeSpan.Zero);

        await AssertInvalidAsync(http, "orders", new { from = hour.AddMinutes(30), to = hour.AddHours(1), sink = cluster.Probe.Sink }, "from", "whole UTC hour");
        await AssertInvalidAsync(http, "orders", new { from = hour, to = hour, sink = cluster.Probe.Sink }, "to", "after from");
        await AssertInvalidAsync(http, "orders", new { from = hour, to = hour.AddHours(1), sink = "parquet" }, "sink", "the archive is what a backfill reads");
        await AssertInvalidAsync(http, "page_views", new { from = hour, to = hour.AddHours(1), sink = cluster.Probe.Sink }, "stream", "is not archived");
        var unknown = await http.PostAsJsonAsync("/admin/streams/nope/backfill", new { from = hour, to = hour.AddHours(1), sink = cluster.Probe.Sink });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // Under a retention, a range before what the store keeps: the next retention pass would drop it again.
        // And a replace of a range that cuts a rollup's buckets (a day's, declared in this Api only).
        await using var retained = cluster.Api(new TestData().StagingKey, ("Streams:orders:Retention", "P3D"),
            ("Streams:orders:Rollups:per_customer_day:Bucket", "P1D"), ("Streams:orders:Rollups:per_customer_day:By:0", "customer"));
        using var retainedHttp = retained.CreateClient();
        var old = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-5), TimeSpan.Zero);
        await AssertInvalidAsync(retainedHttp, "orders", new { from = old, to = old.AddHours(1), sink = cluster.Probe.Sink }, "from",
            $"from lies before what the store keeps of stream orders: it keeps P3D (Streams:orders:Retention), so its events before {DateTime.UtcNow.Date.AddDays(-3):yyyy-MM-dd}T00:00:00Z are dropped");
        var recent = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-1).AddHours(5), TimeSpan.Zero);
        await AssertInvalidAsync(retainedHttp, "orders", new { from = recent, to = recent.AddHours(1), sink = cluster.Probe.Sink, replace = true }, "replace",
            "To replace a range, from and to must start buckets of every rollup of the stream, and per_customer_day's are P1D");
    }

    private static async Task AssertInvalidAsync(HttpClient http, string stream, object request, string field, string reason)
    {
        var response = await http.PostAsJsonAsync($"/admin/streams/{stream}/backfill", request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(reason, problem.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// 70 orders of a customer of their own, a minute apart from 20 minutes into a random hour (40 in it, 30 in the
    /// next), drained. The hour is <paramref name="hoursBack"/> before this one: within <c>Clicks:MaxClickAge</c>, and
    /// clear of the hours other tests of the fixture post orders to (now, and <see cref="ArchivedStreamTests"/>' hours).
    /// Its two hours end before the last hour: a fixture started in it has orders posted "now" there, and a range a
    /// backfill reads holds every customer's events.
    /// </summary>
    private static async Task<(string Customer, DateTimeOffset From)> DrainOrdersAsync(HttpClient http, (int From, int To) hoursBack)
    {
        var customer = "backfill-" + Guid.NewGuid().ToString("N")[..12];
        var now = DateTimeOffset.UtcNow;
        var from = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(-Random.Shared.Next(hoursBack.From, hoursBack.To));
        var orders = Enumerable.Range(0, 70).Select(i => new
        {
            id = Guid.NewGuid().ToString("N"),
            customer,
            total = Math.Round(2.5 * i, 2),
            quantity = 1 + (i % 4),
            ts = from.AddMinutes(20 + i).ToString("O", CultureInfo.InvariantCulture),
        }).ToArray();
        var staged = await http.PostAsJsonAsync("/streams/orders/events/batch", orders);
        Assert.True(staged.StatusCode == HttpStatusCode.Accepted, await staged.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/admin/streams/orders/drain", null)).StatusCode);
        return (customer, from);
    }

    /// <summary>The store loses the two hours: the events and the rollup's buckets, as after a restore from an older backup.</summary>
    private async Task LoseAsync(DateTimeOffset from)
    {
        await cluster.Probe.DeleteRangeAsync("orders", "ts", from, from.AddHours(2));
        await cluster.Probe.DeleteRangeAsync("orders_per_customer_hour", "bucket", from, from.AddHours(2));
    }

    private Task<HttpResponseMessage> StartAsync(HttpClient http, DateTimeOffset from) =>
        http.PostAsJsonAsync("/admin/streams/orders/backfill", new { from, to = from.AddHours(2), sink = cluster.Probe.Sink });

    private static Task<JsonElement> StatusAsync(HttpClient http) => http.GetFromJsonAsync<JsonElement>("/admin/streams/orders/backfill");

    private static async Task<JsonElement> EndedAsync(HttpClient http)
    {
        var status = await Poll.UntilAsync(() => StatusAsync(http), status => status.GetProperty("state").GetString() != "running", Deadline);
        Assert.True(status.GetProperty("state").GetString() != "running", $"the backfill did not end: {status}");
        return status;
    }

    private static (string? State, int Hours, int HoursDone, long Read, long Written, long AlreadyStored, long Refused) Figures(JsonElement status) =>
        (status.GetProperty("state").GetString(), status.GetProperty("hours").GetInt32(), status.GetProperty("hoursDone").GetInt32(),
            status.GetProperty("read").GetInt64(), status.GetProperty("written").GetInt64(), status.GetProperty("alreadyStored").GetInt64(),
            status.GetProperty("refused").GetInt64());

    /// <summary>The customer's stored event ids, sorted, and its rollup's buckets (start, count, sum of totals).</summary>
    private static async Task<(string[] Ids, (DateTimeOffset, long, double)[] Buckets)> StoredAsync(HttpClient http, string customer, DateTimeOffset from)
    {
        var range = $"customer={customer}&from={from.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}&to={from.AddHours(2).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}";
        var events = await http.GetFromJsonAsync<JsonElement>($"/streams/orders/events?{range}&limit=1000");
        var rollup = await http.GetFromJsonAsync<JsonElement>($"/streams/orders/rollups/per_customer_hour?{range}");
        return (
            [.. events.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetString()!).Order(StringComparer.Ordinal)],
            [.. rollup.GetProperty("buckets").EnumerateArray().Select(b => (b.GetProperty("start").GetDateTimeOffset(), b.GetProperty("count").GetInt64(), b.GetProperty("sums").GetProperty("total").GetDouble()))]);
    }
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteBackfillTests(SqliteClusterFixture cluster) : BackfillTests(cluster);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresBackfillTests(PostgresClusterFixture cluster) : BackfillTests(cluster);
