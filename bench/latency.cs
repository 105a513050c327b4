#:property PublishAot=false
// Click-to-queryable latency at a steady load: posts single clicks at a fixed rate to a running Api and polls
// GET /users/{uid}/clicks until each one is visible; prints p50/p99/max of (visible - sent).
// The last <flush-size> clicks are reported apart: once the load stops they are below the flush size and wait
// for the reminder (Clicks:DrainPeriod) by design.
//   dotnet run bench/latency.cs -- <api-url> <clicks-per-second> <seconds> <flush-size>
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

var api = new Uri(args.Length > 0 ? args[0] : "http://127.0.0.1:5080");
var rate = args.Length > 1 ? int.Parse(args[1]) : 1000;
var seconds = args.Length > 2 ? int.Parse(args[2]) : 20;
var flushSize = args.Length > 3 ? int.Parse(args[3]) : 0;
const int ClicksPerUser = 500;

using var http = new HttpClient { BaseAddress = api };
var run = Random.Shared.NextInt64(1, long.MaxValue / 4);
var sentAt = new ConcurrentDictionary<string, long>();
var seenAt = new ConcurrentDictionary<string, long>();
var from = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O");
var total = rate * seconds;
var rejected = 0;

var sender = Task.Run(async () =>
{
    // Ticks of 10 ms, each sending its share concurrently: a steady rate, not a burst per second.
    var perTick = Math.Max(1, rate / 100);
    var clock = Stopwatch.StartNew();
    for (var sent = 0; sent < total;)
    {
        var tick = new List<Task>();
        for (var i = 0; i < perTick && sent < total; i++, sent++)
        {
            var seq = sent;
            tick.Add(SendAsync(seq));
        }

        await Task.WhenAll(tick);
        var due = TimeSpan.FromSeconds((double)sent / rate);
        if (due > clock.Elapsed)
        {
            await Task.Delay(due - clock.Elapsed);
        }
    }
});

async Task SendAsync(int seq)
{
    var id = $"lat-{run}-{seq}";
    sentAt[id] = Stopwatch.GetTimestamp();
    var response = await http.PostAsJsonAsync("/clicks", new { uid = run + seq / ClicksPerUser, pid = seq % 1000, id });
    if (!response.IsSuccessStatusCode)
    {
        Interlocked.Increment(ref rejected);
        sentAt.TryRemove(id, out _);
    }
}

var deadline = Stopwatch.StartNew();
while (deadline.Elapsed < TimeSpan.FromSeconds(seconds + 120))
{
    var waiting = sentAt.Keys.Where(id => !seenAt.ContainsKey(id))
        .Select(id => run + int.Parse(id[(id.LastIndexOf('-') + 1)..]) / ClicksPerUser).Distinct().ToArray();
    if (sender.IsCompleted && waiting.Length == 0)
    {
        break;
    }

    foreach (var uid in waiting)
    {
        var clicks = await http.GetFromJsonAsync<JsonElement>($"/users/{uid}/clicks?from={Uri.EscapeDataString(from)}&limit=1000");
        var now = Stopwatch.GetTimestamp();
        foreach (var click in clicks.EnumerateArray())
        {
            seenAt.TryAdd(click.GetProperty("id").GetString()!, now);
        }
    }

    await Task.Delay(50);
}

double Latency(string id) => Stopwatch.GetElapsedTime(sentAt[id], seenAt[id]).TotalMilliseconds;
int Seq(string id) => int.Parse(id[(id.LastIndexOf('-') + 1)..]);
var visible = sentAt.Keys.Where(seenAt.ContainsKey).ToArray();
var steady = visible.Where(id => Seq(id) < total - flushSize).Select(Latency).Order().ToArray();
var tail = visible.Where(id => Seq(id) >= total - flushSize).Select(Latency).Order().ToArray();
static double Percentile(double[] sorted, double p) =>
    sorted.Length == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(p * sorted.Length) - 1)];
static string Summary(double[] sorted) =>
    $"n={sorted.Length} p50={Percentile(sorted, 0.50):F0} p99={Percentile(sorted, 0.99):F0} max={Percentile(sorted, 1.0):F0}";
Console.WriteLine($"sent={total} rejected={rejected} visible={visible.Length} rate={rate}/s for {seconds}s flush-size={flushSize}");
Console.WriteLine($"click-to-queryable ms, during the load:         {Summary(steady)}");
Console.WriteLine($"click-to-queryable ms, the last flush-size ones: {Summary(tail)}");
return visible.Length == total - rejected ? 0 : 1;
