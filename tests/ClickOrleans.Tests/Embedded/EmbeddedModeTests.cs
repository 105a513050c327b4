using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using ClickOrleans.Tests.Infrastructure;
using StackExchange.Redis;

namespace ClickOrleans.Tests.Embedded;

/// <summary>
/// The zero-setup mode as a new user meets it: `dotnet run --project src/Api` with no connection strings starts
/// Garnet, a silo and the SQLite sink in one process.
/// </summary>
// Host processes with servers of their own (embedded mode) or none: .ci/run runs them once, not against every Redis.
[Trait("Category", "Hosts")]
public sealed class EmbeddedModeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("clickorleans-embedded-").FullName;
    private readonly EmbeddedPorts _ports = EmbeddedPorts.Free();

    private SinkProbe Sink => new SqliteSinkProbe(Path.Combine(_directory, "data", "clicks.db"));

    [Fact]
    public async Task ReadmeCommand_StagesFromTheApiAndFromOtherProducers_AndDrainsIntoTheSqliteFile()
    {
        await using var api = HostProcess.StartEmbeddedApi(_ports, _directory);
        await api.WaitUntilRunningAsync();
        var data = new TestData();

        var batch = await api.Http.PostAsJsonAsync("/clicks/batch", Enumerable.Range(0, 100).Select(i => new { uid = data.Uid, pid = data.Pid(i) }));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await api.Http.PostAsJsonAsync("/clicks", new { uid = data.Uid, pid = data.Pid(i) })).StatusCode);
        }

        await using (var producer = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{_ports.Redis},password={GarnetPassword()}"))
        {
            await producer.GetDatabase().ListLeftPushAsync(StagingDefaults.StagingKey, data.SeedElements(7));
        }

        var drain = await api.Http.PostAsync("/admin/drain", null);

        Assert.Equal(HttpStatusCode.Accepted, batch.StatusCode);
        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        Assert.Equal(112, (await drain.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("written").GetInt64());
        Assert.Equal(112, (await Sink.ClickIdsAsync(data.Uid)).Count);
        Assert.Equal(112, await Sink.MinuteClicksAsync(data.PidFrom, data.PidTo));
        Assert.Contains($"http://127.0.0.1:{_ports.Http}/dashboard", api.Output);
    }

    /// <summary>
    /// Garnet answers a write before its append-only log holds it: without <c>Clicks:Staging:CommitAof</c>, which
    /// embedded mode turns on, a kill -9 right after the 202s lost some or nearly all of them (2 of 50 left in one run
    /// here, 28 of 50 in a CI run), in about one run of six; three rounds make a miss unlikely.
    /// </summary>
    [Fact]
    public async Task ClicksAcceptedBeforeAKill9_AreDrainedAfterTheRestart()
    {
        const int rounds = 3, clicks = 50;
        var data = new TestData();
        for (var round = 0; round < rounds; round++)
        {
            await using var api = HostProcess.StartEmbeddedApi(_ports, _directory);
            await api.WaitUntilRunningAsync();
            for (var i = 0; i < clicks; i++)
            {
                var response = await api.Http.PostAsJsonAsync("/clicks", new { uid = data.Uid, pid = data.Pid(round * clicks + i) });
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }

            await api.KillAsync();
        }

        await using var last = HostProcess.StartEmbeddedApi(_ports, _directory);
        await last.WaitUntilRunningAsync();
        var drain = await last.Http.PostAsync("/admin/drain", null);

        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        Assert.Equal(rounds * clicks, (await Sink.ClickIdsAsync(data.Uid)).Count);
    }

    /// <summary>
    /// kill -9 of the whole embedded process (Garnet, silo, SQLite) at random points of ingest with client ids and of
    /// the drains the flush size starts, again and again: after each restart every accepted id is in the sink once,
    /// and every id that got no answer is kept once by its retry.
    /// </summary>
    /// <remarks>
    /// Fails today (issue 22, item 7, blocked on Garnet): with Garnet 2.2.8 running scripts as transactions and
    /// committing its log before each answer (--aof-commit-wait), 2 to 86 of about 5,000 accepted ids were missing from
    /// SQLite in each of six runs (no dead letter, no loss recorded, about as many elements skipped by the marks on
    /// replay), and with neither setting too. The cause is Garnet's: its transaction mode locks a script's keys but logs
    /// the script's writes one by one, with no transaction markers around them, so a kill -9 in the middle of a script
    /// recovers the part of it already in the log (the elements-left counter read -340 after a take-over's INCRBY was
    /// lost while its RENAMENX and HSETs came back). scripts/garnet-replay-check.sh shows it without ClickOrleans (a
    /// script of 300,000 RPUSHes killed half-way comes back with 40,662 to 134,464 of them), and EVAL inside MULTI/EXEC,
    /// which Garnet does log with markers, hangs the server. Un-skip this test when that script passes.
    /// </remarks>
    [Fact(Skip = "Known defect, issue 22 item 7 (Garnet replays a script in part after kill -9); see remarks")]
    public async Task Kill9InALoop_UnderIngestWithIdsAndDrains_KeepsEveryAcceptedIdOnce()
    {
        const int rounds = 4;
        var data = new TestData();
        var random = new Random();
        var settings = new Dictionary<string, string?> { ["Clicks__FlushSize"] = "300", ["Clicks__SizeCheckPeriod"] = "00:00:00.200" };
        var accepted = new HashSet<string>();
        var unanswered = new List<string[]>();
        var next = 0;
        for (var round = 0; round < rounds; round++)
        {
            await using var api = HostProcess.StartEmbeddedApi(_ports, _directory, settings);
            await api.WaitUntilRunningAsync();
            var killed = false;
            var senders = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                var sent = new List<(string[] Ids, bool Accepted)>();
                while (!Volatile.Read(ref killed))
                {
                    var ids = Enumerable.Range(0, 20).Select(_ => $"k{Interlocked.Increment(ref next)}-{data.Uid}").ToArray();
                    sent.Add((ids, await PostAsync(api.Http, data, ids)));
                }

                return sent;
            })).ToArray();
            await Task.Delay(random.Next(500, 3_000)); // a random point of the traffic: the fault's timing, not a wait for an event
            await api.KillAsync();
            Volatile.Write(ref killed, true);
            foreach (var (ids, ok) in (await Task.WhenAll(senders)).SelectMany(sent => sent))
            {
                if (ok)
                {
                    accepted.UnionWith(ids);
                }
                else
                {
                    unanswered.Add(ids);
                }
            }
        }

        await using (var last = HostProcess.StartEmbeddedApi(_ports, _directory))
        {
            await last.WaitUntilRunningAsync();
            foreach (var ids in unanswered)
            {
                Assert.True(await PostAsync(last.Http, data, ids), "a retry of an unanswered batch was refused");
            }

            Assert.Equal(HttpStatusCode.OK, (await last.Http.PostAsync("/admin/drain", null)).StatusCode);
        }

        var stored = (await Sink.ClickIdsAsync(data.Uid)).CountBy(id => id).ToDictionary();
        Assert.NotEmpty(accepted);
        Assert.All(accepted, id => Assert.Equal(1, stored.GetValueOrDefault(id)));
        Assert.All(unanswered.SelectMany(ids => ids), id => Assert.Equal(1, stored.GetValueOrDefault(id)));
        Assert.Equal(accepted.Count + unanswered.Sum(ids => ids.Length), stored.Count);
        Assert.All(stored, entry => Assert.Equal(1, entry.Value));
    }

    private static async Task<bool> PostAsync(HttpClient http, TestData data, string[] ids)
    {
        try
        {
            var response = await http.PostAsJsonAsync("/clicks/batch", ids.Select((id, i) => new { uid = data.Uid, pid = data.Pid(i), id }));
            return response.StatusCode == HttpStatusCode.Accepted;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>
    /// A web page can make the browser POST anything to 127.0.0.1:6379 without asking (a text/plain body is a "simple"
    /// request): Garnet answers RESP in such a body unless it wants a password. It does, and the password is in a file
    /// only its owner reads, not in the banner.
    /// </summary>
    [Fact]
    public async Task CrossProtocolPostToTheEmbeddedGarnet_WritesNothing_ItWantsThePasswordFromItsFile()
    {
        await using var api = HostProcess.StartEmbeddedApi(_ports, _directory);
        await api.WaitUntilRunningAsync();
        var attack = new StringContent("*3\r\n$5\r\nLPUSH\r\n$13\r\nattacker-list\r\n$5\r\npwned\r\n", System.Text.Encoding.ASCII, "text/plain");
        using var browser = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

        try
        {
            await browser.PostAsync($"http://127.0.0.1:{_ports.Redis}/", attack);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // Garnet answers no HTTP: the page gets an error either way; what counts is what Garnet did.
        }

        var password = GarnetPassword();
        await using var producer = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{_ports.Redis},password={password}");
        Assert.Equal(0, await producer.GetDatabase().ListLengthAsync("attacker-list"));
        Assert.StartsWith("-NOAUTH", await AnswerWithoutPasswordAsync("*2\r\n$4\r\nLLEN\r\n$13\r\nattacker-list\r\n"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_directory, "data", "garnet", "password")));
        }

        Assert.Contains($"password in {Path.Combine(_directory, "data", "garnet", "password")}", api.Output);
        Assert.DoesNotContain(password, api.Output);
    }

    // One RESP command on a fresh connection, as a client that knows no password sends it; Garnet's first line back.
    private async Task<string> AnswerWithoutPasswordAsync(string command)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _ports.Redis);
        var stream = client.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(command));
        using var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
        return await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)) ?? "";
    }

    private string GarnetPassword() => File.ReadAllText(Path.Combine(_directory, "data", "garnet", "password")).Trim();

    [Fact]
    public async Task CtrlC_StopsEverythingCleanly()
    {
        await using var api = HostProcess.StartEmbeddedApi(_ports, _directory);
        await api.WaitUntilRunningAsync();

        var exitCode = await api.InterruptAsync();

        Assert.Equal(0, exitCode);
        Assert.DoesNotContain("Unhandled exception", api.Output);
        AssertPortIsFree(_ports.Redis);
        AssertPortIsFree(_ports.Http);
    }

    [Fact]
    public async Task DeclaredStream_IsStoredInItsTable_GrowsByANewOptionalField_AndAChangedTypeStopsTheNextStart_NamingTheChange()
    {
        var declared = new Dictionary<string, string?>
        {
            ["Streams__orders__Fields__customer__Type"] = "string",
            ["Streams__orders__Fields__total__Type"] = "float64",
        };
        await using (var first = HostProcess.StartEmbeddedApi(_ports, _directory, declared))
        {
            await first.WaitUntilRunningAsync();
            var staged = await first.Http.PostAsJsonAsync("/streams/orders/events/batch", new[] { new { customer = "ann", total = 12.5 }, new { customer = "bob", total = 3.0 } });
            var drain = await first.Http.PostAsync("/admin/streams/orders/drain", null);

            Assert.Equal(HttpStatusCode.Accepted, staged.StatusCode);
            Assert.Equal(2, (await drain.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("written").GetInt64());
            Assert.Equal(2, (await Sink.RowsAsync("orders", "customer", "ann", "customer")).Count + (await Sink.RowsAsync("orders", "customer", "bob", "customer")).Count);
            Assert.Equal(0, await first.InterruptAsync());
        }

        declared["Streams__orders__Fields__note__Type"] = "string";
        await using (var grown = HostProcess.StartEmbeddedApi(_ports, _directory, declared))
        {
            await grown.WaitUntilRunningAsync();
            var staged = await grown.Http.PostAsJsonAsync("/streams/orders/events", new { customer = "cyd", total = 1.0, note = "gift" });
            var drain = await grown.Http.PostAsync("/admin/streams/orders/drain", null);

            Assert.Equal(HttpStatusCode.Accepted, staged.StatusCode);
            Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
            Assert.Equal("gift", Assert.Single(await Sink.RowsAsync("orders", "customer", "cyd", "note"))[0]);
            Assert.Null(Assert.Single(await Sink.RowsAsync("orders", "customer", "ann", "note"))[0]);
            Assert.Equal(0, await grown.InterruptAsync());
        }

        await using var changed = HostProcess.StartEmbeddedApi(_ports, _directory, new Dictionary<string, string?>(declared) { ["Streams__orders__Fields__total__Type"] = "int64" });
        var exitCode = await changed.WaitForExitAsync();

        Assert.Equal(1, exitCode);
        Assert.Contains("Streams:orders is not the schema its table \"orders\" was created with", changed.Output);
        Assert.Contains("field total was [total float64], it is declared [total int64]", changed.Output);
        Assert.Contains("DROP TABLE \"orders\"; DELETE FROM stream_schemas WHERE stream = 'orders';", changed.Output);
    }

    /// <summary>
    /// The issue's shop that wants a referrer on its clicks: declared under <c>Streams:clicks</c>, the next start adds its
    /// column, keeps what else the Api and producers send, builds a rollup and an index from the rows already stored;
    /// the clicks' own queries answer as before.
    /// </summary>
    [Fact]
    public async Task ClicksStream_ExtendedByAReferrerKeptPropertiesARollupAndAnIndex_StoresThemFromTheApiAndProducers()
    {
        var data = new TestData();
        await using (var plain = HostProcess.StartEmbeddedApi(_ports, _directory))
        {
            await plain.WaitUntilRunningAsync();
            Assert.Equal(HttpStatusCode.Accepted, (await plain.Http.PostAsJsonAsync("/clicks", new { uid = data.Uid, pid = data.PidFrom })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await plain.Http.PostAsync("/admin/drain", null)).StatusCode);
            Assert.Equal(0, await plain.InterruptAsync());
        }

        var extended = new Dictionary<string, string?>
        {
            ["Streams__clicks__Fields__referrer__Type"] = "string",
            ["Streams__clicks__Extra"] = "Keep",
            ["Streams__clicks__Rollups__hourly__Bucket"] = "PT1H",
            ["Streams__clicks__Rollups__hourly__By"] = "pid",
            ["Streams__clicks__Indexes__by_referrer__Fields"] = "referrer",
        };
        await using var api = HostProcess.StartEmbeddedApi(_ports, _directory, extended);
        await api.WaitUntilRunningAsync();
        var one = await api.Http.PostAsJsonAsync("/clicks", new { uid = data.Uid, pid = data.PidFrom, referrer = "https://news.example/", campaign = "winter" });
        var batch = await api.Http.PostAsJsonAsync("/clicks/batch", new[] { new { uid = data.Uid, pid = data.PidFrom, referrer = "https://news.example/" } });
        await using (var producer = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{_ports.Redis},password={GarnetPassword()}"))
        {
            await producer.GetDatabase().ListLeftPushAsync(StagingDefaults.StagingKey,
                $$"""{"uid":"{{data.Uid}}","pid":{{data.PidFrom}},"referrer":"https://search.example/"}""");
        }

        var drain = await api.Http.PostAsync("/admin/drain", null);
        var byReferrer = await api.Http.GetFromJsonAsync<JsonElement>($"/streams/clicks/events?referrer={Uri.EscapeDataString("https://news.example/")}&from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"))}");
        var hourly = await api.Http.GetFromJsonAsync<JsonElement>($"/streams/clicks/rollups/hourly?pid={data.PidFrom}&from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-2).ToString("O"))}");
        var product = await api.Http.GetFromJsonAsync<JsonElement>($"/products/{data.PidFrom}/clicks?from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"))}");

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.OK), (one.StatusCode, batch.StatusCode, drain.StatusCode));
        Assert.Equal(3, (await drain.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("written").GetInt64());
        var rows = await Sink.RowsAsync("clicks", "uid", data.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture), "referrer, extra");
        Assert.Equal(
            ["https://news.example/ null", "https://news.example/ {\"campaign\":\"winter\"}", "https://search.example/ null", "null null"],
            rows.Select(row => $"{row[0] ?? "null"} {row[1] ?? "null"}").Order(StringComparer.Ordinal));
        Assert.Equal(2, byReferrer.GetProperty("events").GetArrayLength());
        Assert.Equal(4, hourly.GetProperty("buckets").EnumerateArray().Sum(bucket => bucket.GetProperty("count").GetInt64()));
        Assert.Equal(4, product.GetProperty("total").GetInt64());
    }

    /// <summary>
    /// An evolution runs in one transaction: a host killed (-9) while it fills a new rollup from a million stored events,
    /// its write lock on the file held, leaves the file as it was; the next start applies the whole evolution once.
    /// </summary>
    [Fact]
    public async Task EvolutionKilledHalfway_LeavesTheFileAsItWas_AndTheNextStartAppliesItWhole()
    {
        var declared = new Dictionary<string, string?>
        {
            ["Streams__orders__Fields__customer__Type"] = "string",
            ["Streams__orders__Fields__customer__Required"] = "true",
            ["Streams__orders__Fields__total__Type"] = "float64",
        };
        await using (var first = HostProcess.StartEmbeddedApi(_ports, _directory, declared))
        {
            await first.WaitUntilRunningAsync();
            Assert.Equal(0, await first.InterruptAsync());
        }

        var file = Path.Combine(_directory, "data", "clicks.db");
        await SqliteAsync(file, """
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999)
            INSERT INTO orders (event_id, ts, customer, total) SELECT randomblob(16), 1764547200000 + i * 1000, 'customer-' || (i % 5000), i % 100 FROM n
            """);
        var evolved = new Dictionary<string, string?>(declared)
        {
            ["Streams__orders__Fields__note__Type"] = "string",
            ["Streams__orders__Rollups__hourly__Bucket"] = "PT1H",
            ["Streams__orders__Rollups__hourly__By"] = "customer",
            ["Streams__orders__Rollups__hourly__Sum"] = "total",
            ["Streams__orders__Rollups__hourly__CountDistinct"] = "note",
            ["Streams__orders__Rollups__per_minute__Bucket"] = "PT1M",
            ["Streams__orders__Rollups__per_minute__By"] = "customer",
            ["Streams__orders__Rollups__per_minute__CountDistinct"] = "customer",
        };
        await using (var evolving = HostProcess.StartEmbeddedApi(_ports, _directory, evolved))
        {
            // The migration's transaction holds the file's write lock: a writer of our own is refused at once meanwhile.
            Assert.True(await Poll.UntilAsync(() => IsWriteLockedAsync(file), locked => locked, TimeSpan.FromSeconds(60)), "the evolution never held the write lock");
            await evolving.KillAsync();
        }

        Assert.Equal("0 0 1", await SqliteAsync(file,
            "SELECT (SELECT count(*) FROM pragma_table_info('orders') WHERE name = 'note') || ' ' || (SELECT count(*) FROM sqlite_master WHERE name = 'orders_hourly')"
            + " || ' ' || (SELECT count(*) FROM stream_schemas WHERE stream = 'orders')"));

        await using (var next = HostProcess.StartEmbeddedApi(_ports, _directory, evolved))
        {
            await next.WaitUntilRunningAsync();
            Assert.Equal(0, await next.InterruptAsync());
        }

        Assert.Equal("1 1 2 1000000", await SqliteAsync(file,
            "SELECT (SELECT count(*) FROM pragma_table_info('orders') WHERE name = 'note') || ' ' || (SELECT count(*) FROM sqlite_master WHERE name = 'orders_hourly')"
            + " || ' ' || (SELECT count(*) FROM stream_schemas WHERE stream = 'orders') || ' ' || (SELECT sum(count) FROM orders_hourly)"));
    }

    private static async Task<object?> SqliteAsync(string file, string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout=10000;";
        await command.ExecuteNonQueryAsync();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private static async Task<bool> IsWriteLockedAsync(string file)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "BEGIN IMMEDIATE";
        command.CommandTimeout = 1; // Microsoft.Data.Sqlite retries a busy file for this long
        try
        {
            await command.ExecuteNonQueryAsync();
            command.CommandText = "ROLLBACK";
            await command.ExecuteNonQueryAsync();
            return false;
        }
        catch (Microsoft.Data.Sqlite.SqliteException e) when (e.SqliteErrorCode == 5)
        {
            return true;
        }
    }

    [Fact]
    public async Task TakenRedisPort_ExitsNonZero_NamingThePortAndTheSetting()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, _ports.Redis);
        squatter.Start();
        await using var api = HostProcess.StartEmbeddedApi(_ports, _directory);

        var exitCode = await api.WaitForExitAsync();

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"Port {_ports.Redis} is already in use", api.Output);
        Assert.Contains("Clicks:Embedded:RedisPort", api.Output);
    }

    [Fact]
    public async Task Dashboard_ServesItsPageAndClusterStats()
    {
        await using var api = HostProcess.StartEmbeddedApi(_ports, _directory);
        await api.WaitUntilRunningAsync();

        var page = await api.Http.GetAsync("/dashboard/");
        var stats = await api.Http.GetAsync("/dashboard/ClusterStats");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        Assert.Equal("application/json", stats.Content.Headers.ContentType?.MediaType);
        Assert.Equal(JsonValueKind.Object, (await stats.Content.ReadFromJsonAsync<JsonElement>()).ValueKind);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private static void AssertPortIsFree(int port)
    {
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
    }
}
