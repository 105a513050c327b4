using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClickOrleans.Drain;
using ClickOrleans.Staging;
using ClickOrleans.Tests.Infrastructure;

namespace ClickOrleans.Tests.Streams;

/// <summary>
/// A stream declared in configuration (the fixtures' <c>orders</c>: customer, total, quantity, paid, placed_at) is
/// staged, drained and stored in a table of its own with typed columns, with the clicks' guarantees: 202 only once
/// staged, client ids idempotent, bad input a 400 that stages nothing, what producers push that does not fit a dead
/// letter with the reason, each event once even when a write is replayed, a row the store refuses a dead letter.
/// </summary>
public abstract class DeclaredStreamTests(ClusterFixture cluster)
{
    private const string Columns = "client_id, ts, customer, total, quantity, paid, placed_at, voucher, wrapping_fee";
    private const string NulRule = "must not hold the character U+0000 (no PostgreSQL text holds it)";

    [SkippableFact]
    public async Task EventsPostedOneByOneAndInABatch_AreStoredOnceEach_InTypedColumns()
    {
        cluster.Require();
        var customer = Customer();
        await using var api = cluster.Api(new TestData().StagingKey);
        using var http = api.CreateClient();
        var placed = DateTimeOffset.UtcNow.AddMinutes(-3);
        var voucher = Guid.NewGuid();
        var order = new { id = $"order-1-{customer}", customer, total = 12.5, quantity = 2, paid = true, placed_at = placed.ToString("O", CultureInfo.InvariantCulture), voucher = voucher.ToString("D").ToUpperInvariant(), wrapping_fee = 2.50m };

        var one = await http.PostAsJsonAsync("/streams/orders/events", order);
        var retry = await http.PostAsJsonAsync("/streams/orders/events", order);
        var batch = await http.PostAsJsonAsync("/streams/orders/events/batch", new object[]
        {
            new { customer, total = 0.0, ts = placed.ToString("O", CultureInfo.InvariantCulture) },
            new { customer, total = 99.99, quantity = 7, paid = false },
        });

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted), (one.StatusCode, retry.StatusCode, batch.StatusCode));
        Assert.Equal(order.id, (await one.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
        Assert.Equal(2, (await batch.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/admin/streams/orders/drain", null)).StatusCode);
        var rows = await cluster.Probe.RowsAsync("orders", "customer", customer, Columns);
        Assert.Equal(3, rows.Count);
        var stored = rows.Single(row => row[0] is string id && id == order.id);
        Assert.Equal((12.5, 2L, true), (Convert.ToDouble(stored[3], CultureInfo.InvariantCulture), Convert.ToInt64(stored[4], CultureInfo.InvariantCulture), Convert.ToBoolean(stored[5], CultureInfo.InvariantCulture)));
        Assert.Equal(placed.ToUnixTimeMilliseconds(), Milliseconds(stored[6]));
        Assert.Equal(voucher.ToString("D"), Convert.ToString(stored[7], CultureInfo.InvariantCulture));
        Assert.Equal(2.50m, Convert.ToDecimal(stored[8], CultureInfo.InvariantCulture));
        var withoutId = rows.Where(row => row[0] is null).OrderBy(row => Convert.ToDouble(row[3], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(2, withoutId.Length);
        Assert.Equal((placed.ToUnixTimeMilliseconds(), null, null, null), (Milliseconds(withoutId[0][1]), withoutId[0][4], withoutId[0][5], withoutId[0][6]));
        Assert.Equal((7L, false), (Convert.ToInt64(withoutId[1][4], CultureInfo.InvariantCulture), Convert.ToBoolean(withoutId[1][5], CultureInfo.InvariantCulture)));
    }

    [SkippableFact]
    public async Task InvalidEvents_Are400NamingEachField_AndNothingIsStaged()
    {
        cluster.Require();
        var customer = Customer();
        await using var api = cluster.Api(new TestData().StagingKey);
        using var http = api.CreateClient();

        var response = await http.PostAsJsonAsync("/streams/orders/events/batch", new object[]
        {
            new { customer, total = 1.0 },
            new { customer = 5, total = -1.0, quantity = 0, paid = "yes", placed_at = "yesterday", colour = "red", voucher = "{0f8fad5b-d9cb-469f-a165-70867728950e}", wrapping_fee = 1.234m },
            new { total = 1.0 },
            new { customer = new string('x', 65), total = 1.0, ts = DateTimeOffset.UtcNow.AddDays(30).ToString("O", CultureInfo.InvariantCulture) },
        });
        var unpaired = await http.PostAsync("/streams/orders/events", new StringContent($$"""{"customer":"{{customer}}\ud800","total":1}""", System.Text.Encoding.UTF8, "application/json"));
        var nul = await http.PostAsync("/streams/orders/events", new StringContent($$"""{"customer":"{{customer}}\u0000","total":1}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Events at indexes 1, 2, 3 are invalid; nothing was staged.", problem.GetProperty("detail").GetString());
        var errors = problem.GetProperty("errors").EnumerateObject().ToDictionary(e => e.Name, e => e.Value[0].GetString());
        Assert.Equal("must be a string", errors["[1].customer"]);
        Assert.Equal("must be 0 or more", errors["[1].total"]);
        Assert.Equal("must be 1 or more", errors["[1].quantity"]);
        Assert.Equal("must be true or false", errors["[1].paid"]);
        Assert.StartsWith("must be an RFC 3339 time", errors["[1].placed_at"]);
        Assert.StartsWith("is not a field of the stream 'orders'", errors["[1].colour"]);
        Assert.StartsWith("must be a UUID: 8-4-4-4-12 hexadecimal digits", errors["[1].voucher"]);
        Assert.Equal("must be a number of at most 4 digits before the point and 2 after it", errors["[1].wrapping_fee"]);
        Assert.Equal("is required", errors["[2].customer"]);
        Assert.Equal("must be at most 64 characters", errors["[3].customer"]);
        Assert.StartsWith("must lie between", errors["[3].ts"]);
        Assert.Equal(HttpStatusCode.BadRequest, unpaired.StatusCode);
        Assert.Equal("must be valid Unicode (no unpaired surrogate)", (await unpaired.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("customer")[0].GetString());
        Assert.Equal(HttpStatusCode.BadRequest, nul.StatusCode);
        Assert.Equal(NulRule, (await nul.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("customer")[0].GetString());
        await http.PostAsync("/admin/streams/orders/drain", null);
        Assert.Empty(await cluster.Probe.RowsAsync("orders", "customer", customer, Columns));
    }

    [SkippableFact]
    public async Task WhatProducersPush_IsStored_AndWhatDoesNotFit_IsADeadLetterWithTheReason()
    {
        cluster.Require();
        var customer = Customer();
        await using var api = cluster.Api(new TestData().StagingKey);
        using var http = api.CreateClient();
        string[] pushed =
        [
            $$"""{"customer":"{{customer}}","total":3}""",
            $$"""{"customer":"{{customer}}","total":4,"ts":1767225600000,"placed_at":1767225600000,"quantity":3,"voucher":"0f8fad5b-d9cb-469f-a165-70867728950e"}""",
            $$"""{"customer":"{{customer}}","total":11,"voucher":"0f8fad5b"}""",
            $$"""{"customer":"{{customer}}","total":12,"wrapping_fee":12345.6}""",
            $$"""{"customer":"{{customer}}","total":5,"referrer":"ads"}""",
            $$"""{"customer":"{{customer}}","total":"6"}""",
            $$"""{"customer":"{{customer}}"}""",
            $$"""{"customer":"{{customer}}","total":7""",
            // Past the year 9999: no store holds such a time; it must be refused here, not fail the write.
            $$"""{"customer":"{{customer}}","total":8,"placed_at":253402300800000}""",
            // An unpaired surrogate: valid JSON, not valid Unicode.
            $$"""{"customer":"{{customer}}","total":9,"paid":true,"placed_at":1,"quantity":2,"customer2":"\ud800"}""",
            $$"""{"customer":"{{customer}}\ud800","total":10}""",
            // U+0000: valid JSON and Unicode, but no PostgreSQL text holds it; refused here on every store alike.
            $$"""{"customer":"{{customer}}\u0000","total":13}""",
        ];

        await cluster.Redis.ListLeftPushAsync(cluster.OrdersStagingKey, [.. pushed.Select(element => (StackExchange.Redis.RedisValue)element)]);
        await http.PostAsync("/admin/streams/orders/drain", null);

        var rows = await cluster.Probe.RowsAsync("orders", "customer", customer, Columns);
        Assert.Equal([3.0, 4.0], rows.Select(row => Convert.ToDouble(row[3], CultureInfo.InvariantCulture)).Order());
        var four = rows.Single(row => Convert.ToDouble(row[3], CultureInfo.InvariantCulture) == 4.0);
        Assert.Equal((1767225600000, "0f8fad5b-d9cb-469f-a165-70867728950e"), (Milliseconds(four[6]), Convert.ToString(four[7], CultureInfo.InvariantCulture)));
        var letters = await http.GetFromJsonAsync<JsonElement>("/admin/streams/orders/dead-letters?limit=10000");
        var reasons = letters.GetProperty("letters").EnumerateArray()
            .Where(letter => letter.GetProperty("element").GetString()!.Contains(customer, StringComparison.Ordinal))
            .Select(letter => letter.GetProperty("reason").GetString()!)
            .ToArray();
        Assert.Equal(10, reasons.Length);
        Assert.Contains("wrapping_fee must be a number of at most 4 digits before the point and 2 after it", reasons);
        Assert.Contains(reasons, reason => reason.StartsWith("voucher must be a UUID", StringComparison.Ordinal));
        Assert.Contains(reasons, reason => reason.StartsWith("referrer is not a field of the stream 'orders'", StringComparison.Ordinal));
        Assert.Contains("total must be a finite number", reasons);
        Assert.Contains("total is required", reasons);
        Assert.Contains(reasons, reason => reason.StartsWith("malformed JSON", StringComparison.Ordinal));
        Assert.Contains("placed_at must be an integer (Unix milliseconds) from 0 (1970) to 253402300799999 (9999)", reasons);
        Assert.Contains(reasons, reason => reason.StartsWith("customer2 is not a field of the stream 'orders'", StringComparison.Ordinal));
        Assert.Contains("customer must be valid Unicode (no unpaired surrogate)", reasons);
        Assert.Contains("customer " + NulRule, reasons);
    }

    [SkippableFact]
    public async Task ARollupsDistinctCounts_AreExact_PerBucket_OverAnOpenDimension_AndInItsTop()
    {
        cluster.Require();
        var (path, other) = ("/page/" + Guid.NewGuid().ToString("N"), "/page/" + Guid.NewGuid().ToString("N"));
        // An hour of the past no other test stages in, older than the default Clicks:MaxClickAge.
        var hour = new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero).AddHours(Random.Shared.Next(0, 150_000));
        await using var api = cluster.Api(new TestData().StagingKey, ("Clicks:MaxClickAge", "36500.00:00:00"));
        using var http = api.CreateClient();
        object View(string page, string? visitor, int minute) => visitor is null
            ? new { path = page, ts = At(hour.AddMinutes(minute)) }
            : new { path = page, visitor, ts = At(hour.AddMinutes(minute)) };

        var staged = await http.PostAsJsonAsync("/streams/page_views/events/batch", new[]
        {
            View(path, "ann", 1), View(path, "bob", 2), View(path, "ann", 3), View(path, null, 4), View(path, "ann", 61),
            View(other, "ann", 5), View(other, "cid", 6), View(other, "dan", 7),
        });
        Assert.Equal(HttpStatusCode.Accepted, staged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/admin/streams/page_views/drain", null)).StatusCode);
        var range = $"from={Iso(hour)}&to={Iso(hour.AddHours(2))}";
        var series = await http.GetFromJsonAsync<JsonElement>($"/streams/page_views/rollups/per_path_hour?{range}&path={Uri.EscapeDataString(path)}");
        var everyone = await http.GetFromJsonAsync<JsonElement>($"/streams/page_views/rollups/per_path_hour?{range}");
        var top = await http.GetFromJsonAsync<JsonElement>($"/streams/page_views/rollups/per_path_hour/top?by=path&measure=count_distinct(visitor)&since={Iso(hour)}&until={Iso(hour.AddHours(2))}");

        static string Describe(JsonElement bucket) =>
            $"{bucket.GetProperty("count").GetInt64()} {bucket.GetProperty("distinct").GetProperty("visitor").GetInt64()}";
        Assert.Equal(["4 2", "1 1"], series.GetProperty("buckets").EnumerateArray().Select(Describe));
        Assert.Equal(["7 4", "1 1"], everyone.GetProperty("buckets").EnumerateArray().Select(Describe));
        Assert.Equal([(other, 3.0), (path, 2.0)], top.GetProperty("top").EnumerateArray().Select(value => (value.GetProperty("value").GetString()!, value.GetProperty("measure").GetDouble())));
    }

    /// <summary>
    /// What producers push, generated from each field type's edges — the bounds and one past them, other JSON types,
    /// overlong strings, U+0000 and unpaired surrogates, invalid UTF-8, decimals with more digits than declared, times
    /// out of range, ids of every wrong form, JSON that is no object or too deep: each valid element is a row, each other
    /// one a dead letter, and nothing is left waiting.
    /// </summary>
    [SkippableFact]
    public async Task AHostileElementMatrix_FromEachFieldTypesEdges_EndsAsRowsAndDeadLetters_EveryElementOnce_NothingLeftWaiting()
    {
        cluster.Require();
        var m = Customer();
        var wide = m + new string('w', 64 - m.Length);
        var (valid, elements) = (new List<string>(), new List<byte[]>());
        var n = 0;
        void Element(bool ok, string overrides, string total = "1")
        {
            var element = $$"""{"id":"{{m}}-{{n++}}","customer":"{{m}}","total":{{total}}{{overrides}}}""";
            if (ok)
            {
                valid.Add(element);
            }

            elements.Add(System.Text.Encoding.UTF8.GetBytes(element));
        }

        foreach (var (ok, value) in new[] { (true, "0"), (false, "-0.01"), (true, "1e308"), (false, "1e309"), (false, "\"1\""), (false, "true"), (false, "null") })
        {
            Element(ok, "", total: value);
        }

        foreach (var (field, cases) in new (string, (bool, string)[])[]
        {
            ("quantity", [(true, "1"), (false, "0"), (true, "9223372036854775807"), (false, "9223372036854775808"), (false, "1.5"), (false, "\"2\"")]),
            ("paid", [(true, "false"), (false, "\"true\""), (false, "1")]),
            ("placed_at", [(true, "0"), (false, "-1"), (true, "253402300799999"), (false, "253402300800000"), (false, "\"2026-01-01T00:00:00Z\""), (false, "1.5")]),
            ("voucher", [(true, "\"0f8fad5b-d9cb-469f-a165-70867728950e\""), (true, "\"0F8FAD5B-D9CB-469F-A165-70867728950E\""), (false, "\"0f8fad5b\""), (false, "5")]),
            ("wrapping_fee", [(true, "9999.99"), (true, "0"), (false, "10000"), (false, "0.001"), (false, "-1"), (false, "\"1\"")]),
            ("ts", [(true, "0"), (false, "-1"), (false, "253402300799999"), (false, "\"2026-01-01T00:00:00Z\"")]),
            ("colour", [(false, "\"red\"")]),
            ("customer2", [(false, $"\"{m}\"")]),
        })
        {
            foreach (var (ok, value) in cases)
            {
                Element(ok, $",\"{field}\":{value}");
            }
        }

        // The row or letter is found by the marker m: in the customer, or (where the customer is the hostile part) the id.
        var hostile = new[]
        {
            $$"""{"id":"{{m}}-c1","customer":"{{wide}}x","total":1}""", $$"""{"id":"{{m}}-c2","customer":5,"total":1}""",
            $$"""{"id":"{{m}}-c3","customer":"{{m}}\u0000","total":1}""", $$"""{"id":"{{m}}-c4","customer":"{{m}}\ud800","total":1}""",
            $$"""{"id":"{{m}}-c5","total":1}""", $$"""{"id":"{{m}}-{{new string('i', 64)}}","customer":"{{m}}","total":1}""",
            $$"""{"id":5,"customer":"{{m}}","total":1}""", $$"""{"id":"","customer":"{{m}}","total":1}""",
            $$"""{"id":"{{m}}\tx","customer":"{{m}}","total":1}""", $$"""{"id":"{{m}}-d1","id":"{{m}}-d2","customer":"{{m}}","total":1}""",
            $$"""{"customer":"{{m}}","total":1""", $$"""["{{m}}"]""", $$""""{{m}}"""",
            string.Concat(Enumerable.Repeat("[", 70)) + $"\"{m}\"" + string.Concat(Enumerable.Repeat("]", 70)),
        };
        elements.AddRange(hostile.Select(System.Text.Encoding.UTF8.GetBytes));
        elements.Add([.. System.Text.Encoding.UTF8.GetBytes($$"""{"id":"{{m}}-u","customer":"{{m}}"""), 0xC3, 0x28, .. "\",\"total\":1}"u8]);
        valid.Add($$"""{"id":"{{m}}-wide","customer":"{{wide}}","total":1}""");
        elements.Add(System.Text.Encoding.UTF8.GetBytes(valid[^1]));
        var pushed = elements.Count;

        await using var api = cluster.Api(new TestData().StagingKey);
        using var http = api.CreateClient();
        await cluster.Redis.ListLeftPushAsync(cluster.OrdersStagingKey, [.. elements.Select(bytes => (StackExchange.Redis.RedisValue)bytes)]);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/admin/streams/orders/drain", null)).StatusCode);

        var rows = (await cluster.Probe.RowsAsync("orders", "customer", m, Columns)).Count + (await cluster.Probe.RowsAsync("orders", "customer", wide, Columns)).Count;
        var letters = (await http.GetFromJsonAsync<JsonElement>("/admin/streams/orders/dead-letters?limit=10000")).GetProperty("letters").EnumerateArray()
            .Count(letter => letter.GetProperty("element").GetString()!.Contains(m, StringComparison.Ordinal));
        var stats = await http.GetFromJsonAsync<JsonElement>("/streams/orders/stats");
        Assert.Equal((valid.Count, pushed - valid.Count), (rows, letters));
        Assert.Equal((0, 0), (stats.GetProperty("backlog").GetInt32(), stats.GetProperty("privateLists").GetArrayLength()));
    }

    [SkippableFact]
    public async Task ABatchWrittenTwice_IsStoredOnce()
    {
        cluster.Require();
        var customer = Customer();
        var privateList = TestEvents.PrivateList(cluster.OrdersStagingKey);
        TestEvent[] events =
        [
            new(0, Guid.NewGuid(), null, 1767225600000, [customer, null, null, null, 1.0, null, null]),
            new(2, Guid.NewGuid(), "client-id", 1767225600001, [customer, null, null, null, 2.0, null, null]),
        ];
        var batch = TestEvents.Batch(Orders, privateList, 0, 0, 3, events);
        var sink = cluster.Grains.GetGrain<ISinkGrain>(0);

        var first = await sink.WriteEvents(batch);
        var replay = await sink.WriteEvents(batch);
        var overlapping = await sink.WriteEvents(batch with { ChunkStart = 2, Rows = [1] });

        Assert.Equal((2, 0), (first.Written, first.Skipped));
        Assert.Equal((0, 2), (replay.Written, replay.Skipped));
        Assert.Equal((0, 1), (overlapping.Written, overlapping.Skipped));
        Assert.Equal(2, (await cluster.Probe.RowsAsync("orders", "customer", customer, Columns)).Count);
    }

    [SkippableFact]
    public async Task ARollup_CountsAndSumsEachStoredEventOnce_ThroughAReplayAndAnOverlap()
    {
        cluster.Require();
        var customer = Customer();
        var privateList = TestEvents.PrivateList(cluster.OrdersStagingKey);
        const long Hour = 3_600_000, Start = 1767225600000; // 2026-01-01T00:00:00Z
        TestEvent[] events =
        [
            new(0, Guid.NewGuid(), null, Start + 1, [customer, null, null, 1L, 1.0, null, null]),
            new(1, Guid.NewGuid(), null, Start + Hour - 1, [customer, null, null, null, 2.0, null, null]),
            new(2, Guid.NewGuid(), null, Start + 10, [customer, true, null, 3L, 4.0, null, null]),
            new(3, Guid.NewGuid(), null, Start + Hour, [customer, null, null, 2L, 8.0, null, null]),
            new(4, Guid.NewGuid(), null, Start + 20, [Customer(), null, null, 5L, 16.0, null, null]),
        ];
        var batch = TestEvents.Batch(Orders, privateList, 0, 0, 5, events);
        var sink = cluster.Grains.GetGrain<ISinkGrain>(0);
        await using var api = cluster.Api(new TestData().StagingKey);
        using var http = api.CreateClient();

        await sink.WriteEvents(batch);
        await sink.WriteEvents(batch);
        await sink.WriteEvents(batch with { ChunkStart = 3, Rows = [3, 4] });
        var series = await http.GetFromJsonAsync<JsonElement>($"/streams/orders/rollups/per_customer_hour?from=2026-01-01T00:00:00Z&to=2026-01-01T03:00:00Z&customer={customer}");
        var everyone = await http.GetFromJsonAsync<JsonElement>("/streams/orders/rollups/per_customer_hour?from=2026-01-01T00:00:00Z&to=2026-01-01T01:00:00Z");
        var top = await http.GetFromJsonAsync<JsonElement>("/streams/orders/rollups/per_customer_hour/top?measure=sum(total)&since=2026-01-01T00:00:00Z&until=2026-01-01T03:00:00Z&limit=1000");

        Assert.Equal(
            ["2026-01-01T00:00:00+00:00 3 7 4", "2026-01-01T01:00:00+00:00 1 8 2"],
            series.GetProperty("buckets").EnumerateArray().Select(Bucket));
        Assert.Equal(customer, series.GetProperty("filters")[0].GetProperty("value").GetString());
        var hour = Assert.Single(everyone.GetProperty("buckets").EnumerateArray());
        Assert.True(hour.GetProperty("count").GetInt64() >= 4, "the unfiltered bucket sums over every customer");
        var ranked = top.GetProperty("top").EnumerateArray().Select(value => (Value: value.GetProperty("value").GetString(), Measure: value.GetProperty("measure").GetDouble())).ToArray();
        Assert.Equal(("customer", "sum(total)"), (top.GetProperty("by").GetString(), top.GetProperty("measure").GetString()));
        Assert.Contains((customer, 15.0), ranked);
        Assert.Contains(((string)events[4].Values[0]!, 16.0), ranked);
        Assert.Equal(ranked.Select(value => value.Measure).OrderDescending(), ranked.Select(value => value.Measure));
    }

    /// <summary>
    /// A stream with a rollup splits its lists into partitions by the rollup's dimensions, and records that at the
    /// take-over. A list an older release took over (its record without the split: by event id), whose write died after
    /// two of its four partitions committed, is drained by the split it was taken over with: drained by the stream's
    /// current split instead, the partitions' marks would skip events never written and write others again.
    /// </summary>
    [SkippableFact]
    public async Task AListTakenOverSplitByEventId_IsResumedByThatSplit_EveryEventOnce()
    {
        cluster.Require();
        var keys = new StagingKeys(cluster.OrdersStagingKey);
        string name = keys.PrivateList(DrainTick.Now(TimeProvider.System) - 3_600_000)!;
        var customers = Enumerable.Range(0, 8).Select(_ => Customer()).ToArray();
        var elements = Enumerable.Range(0, 40).Select(i => $$"""{"customer":"{{customers[i % 8]}}","total":{{i}}}""").ToArray();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var latest = now + 300_000;
        // The records the take-over script of a release before the split wrote: "<taken over at> <length> <partitions> <latest ts>".
        await cluster.Redis.ListLeftPushAsync(name, [.. elements.Select(element => (StackExchange.Redis.RedisValue)element)]);
        await cluster.Redis.HashSetAsync(keys.PrivateLists, name, 0);
        await cluster.Redis.HashSetAsync(keys.PrivateListInfo, name, string.Create(CultureInfo.InvariantCulture, $"{now} {elements.Length} 4 {latest}"));
        await cluster.Redis.StringIncrementAsync(keys.PrivateListsRemaining, elements.Length);
        var rules = Orders;
        var bytes = System.Text.Encoding.UTF8.GetBytes(string.Concat(elements));
        var sizes = string.Join(' ', elements.Select(element => element.Length.ToString(CultureInfo.InvariantCulture)));
        var byEventId = EventChunk.Parse(ChunkElements.Parse(0, bytes, sizes, "", []), rules, name, new ElementContext(ClickId.SeedOf(name), now, latest), 4, PrivateList.ByEventId);
        var sink = cluster.Grains.GetGrain<ISinkGrain>(0);
        foreach (var partition in new[] { 0, 1 })
        {
            await sink.WriteEvents(byEventId.BatchOf(name, partition));
        }

        await using var api = cluster.Api(new TestData().StagingKey);
        using var http = api.CreateClient();
        var drain = await http.PostAsync("/admin/streams/orders/drain", null);

        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        Assert.NotEqual(PrivateList.ByEventId, rules.PartitionedBy);
        var totals = new List<double>();
        foreach (var customer in customers)
        {
            totals.AddRange((await cluster.Probe.RowsAsync("orders", "customer", customer, "total")).Select(row => Convert.ToDouble(row[0], CultureInfo.InvariantCulture)));
        }

        Assert.Equal(Enumerable.Range(0, 40).Select(i => (double)i), totals.Order());
    }

    /// <summary>
    /// An element's fate is fixed when its list is taken over: a list taken over by a silo that declared the stream with
    /// other bounds (a customer of up to 200 characters, where this one allows 64) is judged by that declaration's
    /// rules, recorded with the list, whichever silo and declaration finish it — not by the rules in force now.
    /// </summary>
    [SkippableFact]
    public async Task AListTakenOverUnderAnotherSchemaVersion_IsJudgedByThatVersion()
    {
        cluster.Require();
        var keys = new StagingKeys(cluster.OrdersStagingKey);
        string name = keys.PrivateList(DrainTick.Now(TimeProvider.System) - 3_600_000)!;
        var current = cluster.Streams.Find("orders")!;
        var looser = current with
        {
            Fields = [.. current.Fields.Select(field => field.Name == "customer" ? field with { MaxLength = 200 } : field)],
        };
        var version = ClickOrleans.Streams.SchemaVersion.Of(looser);
        await cluster.Probe.RecordSchemaVersionAsync("orders", version.Version, version.Definition);
        var customer = Customer() + new string('x', 100);
        string[] elements = [$$"""{"customer":"{{customer}}","total":1}""", $$"""{"customer":"{{customer}}","total":2}"""];
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await cluster.Redis.ListLeftPushAsync(name, [.. elements.Select(element => (StackExchange.Redis.RedisValue)element)]);
        await cluster.Redis.HashSetAsync(keys.PrivateLists, name, 0);
        await cluster.Redis.HashSetAsync(keys.PrivateListInfo, name,
            string.Create(CultureInfo.InvariantCulture, $"{now} {elements.Length} 4 {now + 300_000} {Orders.PartitionedBy} {version.Version}"));
        await cluster.Redis.StringIncrementAsync(keys.PrivateListsRemaining, elements.Length);
        await using var api = cluster.Api(new TestData().StagingKey);
        using var http = api.CreateClient();

        var drain = await http.PostAsync("/admin/streams/orders/drain", null);

        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        Assert.NotEqual(version.Version, Orders.Version);
        Assert.Equal([1.0, 2.0], (await cluster.Probe.RowsAsync("orders", "customer", customer, "total")).Select(row => Convert.ToDouble(row[0], CultureInfo.InvariantCulture)));
    }

    [SkippableFact]
    public async Task RollupQueries_OfUnknownNames_Are404_AndBadParameters_Are400NamingEach()
    {
        cluster.Require();
        await using var api = cluster.Api(new TestData().StagingKey);
        using var http = api.CreateClient();

        var unknownRollup = await http.GetAsync("/streams/orders/rollups/per_minute");
        var unknownStream = await http.GetAsync("/streams/refunds/rollups/per_customer_hour");
        var clicks = await http.GetAsync("/streams/clicks/rollups/hourly");
        var bad = await http.GetAsync("/streams/orders/rollups/per_customer_hour?from=2000-01-01T00:00:00Z&quantity=2&customer=a&customer=b");
        var badTop = await http.GetAsync("/streams/orders/rollups/per_customer_hour/top?by=total&measure=sum(paid)&limit=0");
        var nul = await http.GetAsync("/streams/orders/rollups/per_customer_hour?customer=a%00b");

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.BadRequest),
            (unknownRollup.StatusCode, unknownStream.StatusCode, clicks.StatusCode, bad.StatusCode));
        Assert.Contains("has no rollup 'per_minute'; it has: per_customer_hour", await unknownRollup.Content.ReadAsStringAsync());
        Assert.Contains("Stream 'clicks' has no rollup 'hourly'; it has: minute", await clicks.Content.ReadAsStringAsync());
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal("the range from..to spans at most 417 days", errors.GetProperty("to")[0].GetString());
        Assert.Equal("is not a dimension of rollup per_customer_hour; its dimensions are customer (and from, to)", errors.GetProperty("quantity")[0].GetString());
        Assert.Equal("must be given once", errors.GetProperty("customer")[0].GetString());
        var topErrors = (await badTop.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(HttpStatusCode.BadRequest, badTop.StatusCode);
        Assert.Equal("must be a dimension of rollup per_customer_hour: customer", topErrors.GetProperty("by")[0].GetString());
        Assert.Equal("must be one of count, sum(total), sum(quantity)", topErrors.GetProperty("measure")[0].GetString());
        Assert.Equal("must be from 1 to 1000", topErrors.GetProperty("limit")[0].GetString());
        Assert.Equal(HttpStatusCode.BadRequest, nul.StatusCode);
        Assert.Equal("must be a string without the character U+0000", (await nul.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("customer")[0].GetString());
    }

    [SkippableFact]
    public async Task ARowTheStoreRefuses_IsADeadLetter_AndTheOthersAreStored()
    {
        cluster.Require();
        var customer = Customer();
        var trigger = "refuse_" + Guid.NewGuid().ToString("N")[..8];
        await cluster.Probe.RefuseRowsAsync("orders", trigger, $"NEW.customer = '{customer}' AND NEW.total = 666");
        await using var api = cluster.Api(new TestData().StagingKey);
        using var http = api.CreateClient();

        var response = await http.PostAsJsonAsync("/streams/orders/events/batch", new object[]
        {
            new { customer, total = 1.0 }, new { customer, total = 666.0 }, new { customer, total = 2.0 },
        });
        await http.PostAsync("/admin/streams/orders/drain", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var rows = await cluster.Probe.RowsAsync("orders", "customer", customer, Columns);
        Assert.Equal([1.0, 2.0], rows.Select(row => Convert.ToDouble(row[3], CultureInfo.InvariantCulture)).Order());
        var letters = await http.GetFromJsonAsync<JsonElement>("/admin/streams/orders/dead-letters?limit=10000");
        var refused = Assert.Single(letters.GetProperty("letters").EnumerateArray(),
            letter => letter.GetProperty("element").GetString()!.Contains(customer, StringComparison.Ordinal));
        Assert.StartsWith("refused by the sink: ", refused.GetProperty("reason").GetString());
        Assert.Contains($"refused by {trigger}", refused.GetProperty("reason").GetString());
        var since = DateTimeOffset.UtcNow.AddHours(-2).ToString("O", CultureInfo.InvariantCulture);
        var series = await http.GetFromJsonAsync<JsonElement>($"/streams/orders/rollups/per_customer_hour?from={Uri.EscapeDataString(since)}&customer={customer}");
        var buckets = series.GetProperty("buckets").EnumerateArray().ToArray();
        Assert.Equal((2L, 3.0), (buckets.Sum(bucket => bucket.GetProperty("count").GetInt64()), buckets.Sum(bucket => bucket.GetProperty("sums").GetProperty("total").GetDouble())));
    }

    [SkippableFact]
    public async Task AStreamThatKeepsExtraProperties_StoresThemAsJson_FromTheApiAndFromProducers_AndRefusesWhatAStoreCannotHold()
    {
        cluster.Require();
        var path = "/page/" + Guid.NewGuid().ToString("N");
        await using var api = cluster.Api(new TestData().StagingKey);
        using var http = api.CreateClient();
        var utm = """{"source":"mail","tags":[1,2.5,"x",null,true,{"deep":[]}],"é":"ü"}""";

        var posted = await http.PostAsync("/streams/page_views/events/batch", Json(
            $$"""[{"path":"{{path}}","duration_ms":5,"referrer":"ads","utm":{{utm}}},{"path":"{{path}}","duration_ms":6}]"""));
        var refused = await http.PostAsync("/streams/page_views/events/batch", Json(
            $$"""[{"path":"{{path}}","a":"x\u0000"},{"path":"{{path}}","b":1e400},{"path":"{{path}}","e":1e-20000},{"path":"{{path}}","f":["\ud800"]},{"path":"{{path}}","g":{"\u0000":1} }]"""));
        await cluster.Redis.ListLeftPushAsync(cluster.PageViewsStagingKey,
        [
            $$"""{"path":"{{path}}","duration_ms":7,"campaign":"winter"}""",
            $$"""{"path":"{{path}}","duration_ms":8,"campaign":"x\u0000"}""",
            $$"""{"path":"{{path}}","duration_ms":-1,"campaign":"summer"}""",
            // A name twice: the Api refuses such a body whole (malformed JSON); the drain reads it, and refuses it.
            $$"""{"path":"{{path}}","duration_ms":9,"c":{"k":1,"k":2} }""",
            $$"""{"path":"{{path}}","duration_ms":10,"d":1,"d":2}""",
        ]);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/admin/streams/page_views/drain", null)).StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().ToDictionary(e => e.Name, e => e.Value[0].GetString());
        const string numberRule = "must be a number of at most 100 characters with an exponent from -308 to 308 (what every store keeps in JSON)";
        Assert.Equal(NulRule, errors["[0].a"]);
        Assert.Equal(numberRule, errors["[1].b"]);
        Assert.Equal(numberRule, errors["[2].e"]);
        Assert.Equal("must be valid Unicode (no unpaired surrogate)", errors["[3].f"]);
        Assert.Equal("has a property name holding the character U+0000 (no PostgreSQL text holds it)", errors["[4].g"]);
        var rows = (await cluster.Probe.RowsAsync("page_views", "path", path, "duration_ms, extra"))
            .ToDictionary(row => Convert.ToInt64(row[0], CultureInfo.InvariantCulture), row => row[1] is null ? null : JsonNode.Parse(Convert.ToString(row[1], CultureInfo.InvariantCulture)!));
        Assert.Equal([5L, 6L, 7L], rows.Keys.Order());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse($$"""{"referrer":"ads","utm":{{utm}}}"""), rows[5]), rows[5]?.ToJsonString());
        Assert.Null(rows[6]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"campaign":"winter"}"""), rows[7]), rows[7]?.ToJsonString());
        var letters = await http.GetFromJsonAsync<JsonElement>("/admin/streams/page_views/dead-letters?limit=10000");
        var reasons = letters.GetProperty("letters").EnumerateArray()
            .Where(letter => letter.GetProperty("element").GetString()!.Contains(path, StringComparison.Ordinal))
            .Select(letter => letter.GetProperty("reason").GetString())
            .Order();
        Assert.Equal(["c has the property 'k' more than once", "campaign " + NulRule, "d appears more than once", "duration_ms must be 0 or more"], reasons);
    }

    [SkippableFact]
    public async Task AnEventLargerAsStagedThanTheDrainReads_Is400_NotADeadLetterAfterA202()
    {
        cluster.Require();
        await using var api = cluster.Api(new TestData().StagingKey, ("Clicks:MaxElementBytes", "1024"));
        using var http = api.CreateClient();

        var response = await http.PostAsync("/streams/page_views/events", Json($$"""{"path":"/large","note":"{{new string('x', 2000)}}"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("$")[0].GetString();
        Assert.Matches(@"^is \d+ bytes as staged, more than Clicks:MaxElementBytes \(1024\) allows$", error);
    }

    /// <summary>
    /// Clicks and both declared streams staged at once, each through the Api and by a producer pushing to Redis: every
    /// stream's rows exactly, and the orders' rollup as SQL computes it from the stored rows.
    /// </summary>
    [SkippableFact]
    public async Task ThreeStreamsStagedAtOnce_ThroughTheApiAndByProducers_AreEachStoredExactly_AndTheRollupMatchesTheRows()
    {
        cluster.Require();
        var data = new TestData();
        string[] customers = [Customer(), Customer(), Customer()];
        var path = "/page/" + Guid.NewGuid().ToString("N");
        await using var api = cluster.Api(data.StagingKey);
        using var http = api.CreateClient();
        // Totals in quarters: their sums are exact in a double, whatever order a store adds them in.
        var orders = Enumerable.Range(0, 60).Select(i => new { customer = customers[i % 3], total = (i % 7) + 0.25, quantity = (i % 5) + 1 });
        var pushedOrders = Enumerable.Range(0, 30).Select(i => (StackExchange.Redis.RedisValue)string.Create(CultureInfo.InvariantCulture,
            $$"""{"customer":"{{customers[i % 3]}}","total":{{i % 4}}.5,"quantity":{{(i % 3) + 1}}}"""));
        var pushedViews = Enumerable.Range(0, 20).Select(i => (StackExchange.Redis.RedisValue)$$"""{"path":"{{path}}","duration_ms":{{i}},"campaign":"winter"}""");

        var posts = Task.WhenAll(
            http.PostAsJsonAsync("/clicks/batch", Enumerable.Range(0, 100).Select(i => new { uid = data.Uid, pid = data.Pid(i) })),
            http.PostAsJsonAsync("/streams/orders/events/batch", orders),
            http.PostAsJsonAsync("/streams/page_views/events/batch", Enumerable.Range(0, 40).Select(i => new { path, duration_ms = i, referrer = i % 2 == 0 ? "ads" : "mail" })));
        await Task.WhenAll(
            posts,
            TestData.PushAsync(cluster.Redis, data.StagingKey, data.SeedElements(50)),
            TestData.PushAsync(cluster.Redis, cluster.OrdersStagingKey, [.. pushedOrders]),
            TestData.PushAsync(cluster.Redis, cluster.PageViewsStagingKey, [.. pushedViews]));
        foreach (var drain in new[] { "/admin/drain", "/admin/streams/orders/drain", "/admin/streams/page_views/drain" })
        {
            Assert.Equal(HttpStatusCode.OK, (await http.PostAsync(drain, null)).StatusCode);
        }

        Assert.All(await posts, response => Assert.Equal(HttpStatusCode.Accepted, response.StatusCode));
        Assert.Equal(150, (await cluster.Probe.ClickIdsAsync(data.Uid)).Distinct().Count());
        var views = await cluster.Probe.RowsAsync("page_views", "path", path, "duration_ms, extra");
        Assert.Equal(60, views.Count);
        Assert.Equal((20, 20, 20), (
            views.Count(row => Extra(row[1], "referrer") == "ads"), views.Count(row => Extra(row[1], "referrer") == "mail"), views.Count(row => Extra(row[1], "campaign") == "winter")));
        foreach (var customer in customers)
        {
            var rows = await cluster.Probe.RowsAsync("orders", "customer", customer, "ts, total, quantity");
            Assert.Equal(30, rows.Count);
            const long Hour = 3_600_000;
            var expected = rows
                .GroupBy(row => Milliseconds(row[0]) / Hour * Hour)
                .OrderBy(bucket => bucket.Key)
                .Select(bucket => string.Create(CultureInfo.InvariantCulture,
                    $"{DateTimeOffset.FromUnixTimeMilliseconds(bucket.Key):yyyy-MM-ddTHH:mm:sszzz} {bucket.Count()} {bucket.Sum(row => Convert.ToDouble(row[1], CultureInfo.InvariantCulture))} {bucket.Sum(row => Convert.ToDouble(row[2], CultureInfo.InvariantCulture))}"))
                .ToArray();
            var from = DateTimeOffset.FromUnixTimeMilliseconds(rows.Min(row => Milliseconds(row[0])) / Hour * Hour);
            var series = await http.GetFromJsonAsync<JsonElement>(
                $"/streams/orders/rollups/per_customer_hour?customer={customer}&from={Uri.EscapeDataString(from.ToString("O", CultureInfo.InvariantCulture))}&to={Uri.EscapeDataString(from.AddHours(3).ToString("O", CultureInfo.InvariantCulture))}");
            Assert.Equal(expected, series.GetProperty("buckets").EnumerateArray().Select(Bucket));
        }
    }

    private static string? Extra(object? column, string property) =>
        column is null ? null : JsonNode.Parse(Convert.ToString(column, CultureInfo.InvariantCulture)!)?[property]?.GetValue<string>();

    [SkippableFact]
    public async Task Events_AreQueriedByAnIndexAndATimeRange_NewestFirst_WithEveryFieldAndTheKeptProperties()
    {
        cluster.Require();
        var (customer, other, path) = (Customer(), Customer(), "/page/" + Guid.NewGuid().ToString("N"));
        // A minute of the past no other test stages in, older than the default Clicks:MaxClickAge.
        var minute = new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(Random.Shared.Next(0, 10_000_000));
        await using var api = cluster.Api(new TestData().StagingKey, ("Clicks:MaxClickAge", "36500.00:00:00"));
        using var http = api.CreateClient();
        var voucher = Guid.NewGuid();
        var staged = await Task.WhenAll(
            http.PostAsJsonAsync("/streams/orders/events/batch", new object[]
            {
                new { id = $"first-{customer}", customer, total = 1.5, ts = At(minute.AddSeconds(1)) },
                new { customer, total = 2.5, quantity = 3, paid = true, placed_at = At(minute), voucher = voucher.ToString("D").ToUpperInvariant(), wrapping_fee = 2.50m, ts = At(minute.AddSeconds(2)) },
                new { customer, total = 3.5, ts = At(minute.AddSeconds(3)) },
                new { customer = other, total = 4.5, ts = At(minute.AddSeconds(4)) },
            }),
            http.PostAsJsonAsync("/streams/page_views/events/batch", new object[]
            {
                new { path, duration_ms = 5, referrer = "ads", ts = At(minute.AddSeconds(10)) },
                new { path, ts = At(minute.AddSeconds(11)) },
            }));
        Assert.All(staged, response => Assert.Equal(HttpStatusCode.Accepted, response.StatusCode));
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/admin/streams/orders/drain", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/admin/streams/page_views/drain", null)).StatusCode);
        var range = $"from={Iso(minute)}&to={Iso(minute.AddMinutes(1))}";

        var all = await http.GetFromJsonAsync<JsonElement>($"/streams/orders/events?customer={customer}&{range}");
        var newest = await http.GetFromJsonAsync<JsonElement>($"/streams/orders/events?customer={customer}&{range}&limit=2");
        var next = await http.GetFromJsonAsync<JsonElement>($"/streams/orders/events?customer={customer}&from={Iso(minute)}&to={newest.GetProperty("events")[1].GetProperty("ts").GetString()!.Replace("+", "%2B", StringComparison.Ordinal)}");
        var views = await http.GetFromJsonAsync<JsonElement>($"/streams/page_views/events?from={Iso(minute.AddSeconds(10))}&to={Iso(minute.AddSeconds(12))}");

        Assert.Equal([3.5, 2.5, 1.5], all.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("total").GetDouble()));
        Assert.Equal(customer, all.GetProperty("filters")[0].GetProperty("value").GetString());
        var second = all.GetProperty("events")[1];
        Assert.Equal((3L, true, voucher.ToString("D"), 2.50m), (second.GetProperty("quantity").GetInt64(), second.GetProperty("paid").GetBoolean(), second.GetProperty("voucher").GetString(), second.GetProperty("wrapping_fee").GetDecimal()));
        Assert.Equal((minute, minute.AddSeconds(2)), (second.GetProperty("placed_at").GetDateTimeOffset(), second.GetProperty("ts").GetDateTimeOffset()));
        Assert.Equal(32, second.GetProperty("id").GetString()!.Length);
        var first = all.GetProperty("events")[2];
        Assert.Equal(($"first-{customer}", JsonValueKind.Null, JsonValueKind.Null), (first.GetProperty("id").GetString(), first.GetProperty("quantity").ValueKind, first.GetProperty("paid").ValueKind));
        Assert.False(first.TryGetProperty("extra", out _), "orders rejects extra properties: its events have no extra");
        Assert.Equal([3.5, 2.5], newest.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("total").GetDouble()));
        Assert.Equal([1.5], next.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("total").GetDouble()));
        var pages = views.GetProperty("events").EnumerateArray().ToArray();
        Assert.Equal([JsonValueKind.Null, JsonValueKind.Number], pages.Select(e => e.GetProperty("duration_ms").ValueKind));
        Assert.Equal(("ads", JsonValueKind.Null), (pages[1].GetProperty("extra").GetProperty("referrer").GetString(), pages[0].GetProperty("extra").ValueKind));
    }

    [SkippableFact]
    public async Task EventQueries_ByAFieldNoIndexServes_Are400NamingIt_AndOfAnUnknownStream_404()
    {
        cluster.Require();
        await using var api = cluster.Api(new TestData().StagingKey);
        using var http = api.CreateClient();

        var notIndexed = await http.GetAsync("/streams/orders/events?paid=true&customer=a&customer=b&limit=0");
        var noIndex = await http.GetAsync("/streams/page_views/events?path=/a&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z");
        var clicks = await http.GetAsync("/streams/clicks/events?pid=1");
        var unknown = await http.GetAsync("/streams/refunds/events");

        var errors = (await notIndexed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(HttpStatusCode.BadRequest, notIndexed.StatusCode);
        Assert.Equal("is not a field of an index of stream orders; its indexes are by_customer (customer), beside from, to and limit", errors.GetProperty("paid")[0].GetString());
        Assert.Equal("must be given once", errors.GetProperty("customer")[0].GetString());
        Assert.Equal("must be from 1 to 1000", errors.GetProperty("limit")[0].GetString());
        var noIndexErrors = (await noIndex.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal("is not a field of an index of stream page_views; it declares no index (Streams:<stream>:Indexes): only from, to and limit apply", noIndexErrors.GetProperty("path")[0].GetString());
        Assert.Equal("must be before to", noIndexErrors.GetProperty("from")[0].GetString());
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.NotFound), (clicks.StatusCode, unknown.StatusCode));
        Assert.Contains("its indexes are clicks_uid_ts (uid)", await clicks.Content.ReadAsStringAsync());
    }

    private static string At(DateTimeOffset time) => time.ToString("O", CultureInfo.InvariantCulture);

    private static string Iso(DateTimeOffset time) => Uri.EscapeDataString(At(time));

    [SkippableFact]
    public async Task AStreamsOwnDrainSettings_Apply_FlushSizeChunkSizeAndPeriod_WhileTheOthersKeepTheSharedOnes()
    {
        cluster.Require();
        var path = "/page/" + Guid.NewGuid().ToString("N");
        await using var api = cluster.Api(new TestData().StagingKey);
        using var http = api.CreateClient();
        var schedules = await Task.WhenAll(new[] { cluster.PageViewsStagingKey, cluster.OrdersStagingKey }
            .Select(key => new DrainScheduleState(cluster.Redis, new StagingKeys(key)).GetScheduleAsync()));

        // Nine, then a tenth: the push that reaches page_views' FlushSize of 10 drains it, an hour before its reminder.
        var staged = await http.PostAsJsonAsync("/streams/page_views/events/batch", Enumerable.Range(0, 9).Select(i => new { path, duration_ms = i }));
        var tenth = await http.PostAsJsonAsync("/streams/page_views/events", new { path, duration_ms = 9 });
        var drained = await Poll.UntilAsync(() => cluster.Probe.RowsAsync("page_views", "path", path, "duration_ms"), rows => rows.Count == 10, TimeSpan.FromSeconds(30));
        var views = await http.GetFromJsonAsync<JsonElement>("/streams/page_views");
        var more = await http.PostAsJsonAsync("/streams/page_views/events/batch", Enumerable.Range(0, 15).Select(i => new { path = path + "/more", duration_ms = i }));
        var result = await (await http.PostAsync("/admin/streams/page_views/drain", null)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(["every 01:00:00", "every 00:00:02"], schedules.Select(schedule => schedule ?? "none"));
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted), (staged.StatusCode, tenth.StatusCode, more.StatusCode));
        Assert.Equal(10, drained.Count);
        var drain = views.GetProperty("drain");
        Assert.Equal((10L, "01:00:00", 7, 2), (drain.GetProperty("flushSize").GetInt64(), drain.GetProperty("drainPeriod").GetString(), drain.GetProperty("chunkSize").GetInt32(), drain.GetProperty("partitions").GetInt32()));
        // 15 elements (or the 5 after a drain by size took 10 of them) in chunks of 7.
        Assert.Equal((result.GetProperty("elements").GetInt64() + 6) / 7, result.GetProperty("chunks").GetInt64());
        Assert.Equal(15, (await cluster.Probe.RowsAsync("page_views", "path", path + "/more", "duration_ms")).Count);
    }

    [SkippableFact]
    public async Task TheDeclaredStream_IsListedWithItsSchema_AndItsStats()
    {
        cluster.Require();
        await using var api = cluster.Api(new TestData().StagingKey);
        using var http = api.CreateClient();

        var orders = await http.GetFromJsonAsync<JsonElement>("/streams/orders");
        var stats = await http.GetFromJsonAsync<JsonElement>("/streams/orders/stats");

        Assert.Equal((cluster.OrdersStagingKey, "orders", "reject"), (orders.GetProperty("stagingKey").GetString(), orders.GetProperty("table").GetString(), orders.GetProperty("extra").GetString()));
        Assert.Equal(["id", "ts", "customer", "paid", "placed_at", "quantity", "total", "voucher", "wrapping_fee"], orders.GetProperty("fields").EnumerateArray().Select(field => field.GetProperty("name").GetString()));
        Assert.Equal(cluster.OrdersStagingKey, stats.GetProperty("stagingKey").GetString());
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    private static string Customer() => "customer-" + Guid.NewGuid().ToString("N")[..12];

    private ClickOrleans.Streams.EventRules Orders => cluster.Streams.RulesOf(cluster.Streams.Find("orders")!);

    private static string Bucket(JsonElement bucket) => string.Create(CultureInfo.InvariantCulture,
        $"{bucket.GetProperty("start").GetDateTimeOffset():yyyy-MM-ddTHH:mm:sszzz} {bucket.GetProperty("count").GetInt64()} {bucket.GetProperty("sums").GetProperty("total").GetDouble()} {bucket.GetProperty("sums").GetProperty("quantity").GetDouble()}");

    // PostgreSQL answers a DateTime (UTC), SQLite the stored Unix milliseconds.
    private static long Milliseconds(object? value) => value switch
    {
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToUnixTimeMilliseconds(),
        _ => Convert.ToInt64(value, CultureInfo.InvariantCulture),
    };
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteDeclaredStreamTests(SqliteClusterFixture cluster) : DeclaredStreamTests(cluster);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresDeclaredStreamTests(PostgresClusterFixture cluster) : DeclaredStreamTests(cluster);
