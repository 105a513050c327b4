using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace ClickOrleans.ClickLoad;

/// <summary>Counters and request latencies of a run, safe to update from every sender.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "One per process run; its ThreadLocal lives as long as the process.")]
internal sealed class LoadStats
{
    private readonly ConcurrentBag<List<double>> _latencies = [];
    private readonly ThreadLocal<List<double>> _local;
    private long _sent;
    private long _accepted;
    private long _rejected;
    private long _failed;

    public LoadStats() => _local = new(() => { var list = new List<double>(); _latencies.Add(list); return list; });

    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    public long Sent => Interlocked.Read(ref _sent);

    public long Accepted => Interlocked.Read(ref _accepted);

    public void Record(int clicks, bool accepted, bool failed, double latencyMs)
    {
        Interlocked.Add(ref _sent, clicks);
        if (accepted)
        {
            Interlocked.Add(ref _accepted, clicks);
        }
        else if (failed)
        {
            Interlocked.Add(ref _failed, clicks);
        }
        else
        {
            Interlocked.Add(ref _rejected, clicks);
        }

        _local.Value!.Add(latencyMs);
    }

    public string ProgressLine() =>
        $"sent {Sent,10:N0}  accepted {Accepted,10:N0}  rejected {Interlocked.Read(ref _rejected):N0}  failed {Interlocked.Read(ref _failed):N0}  {Sent / Clock.Elapsed.TotalSeconds,10:N0} clicks/s";

    public LoadSummary Summarize(LoadOptions options)
    {
        var latencies = _latencies.SelectMany(list => list).Order().ToArray();
        double Percentile(double p) => latencies.Length == 0 ? 0 : latencies[(int)Math.Min(latencies.Length - 1, Math.Ceiling(p * latencies.Length) - 1)];
        var seconds = Clock.Elapsed.TotalSeconds;
        return new LoadSummary(options.Mode, options.Mode is "batch" or "stage" ? options.BatchSize : 1, options.Connections, Sent, Accepted,
            Interlocked.Read(ref _rejected), Interlocked.Read(ref _failed), seconds, Accepted / seconds, latencies.Length / seconds,
            Percentile(0.50), Percentile(0.99), Percentile(1.0));
    }
}

/// <summary>The result of a run; printed as text or as JSON (<c>--json</c>).</summary>
internal sealed record LoadSummary(
    string Mode, int ClicksPerRequest, int Connections, long Sent, long Accepted, long Rejected, long Failed,
    double Seconds, double ClicksPerSecond, double RequestsPerSecond, double LatencyP50Ms, double LatencyP99Ms, double LatencyMaxMs)
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string ToText() =>
        $"""
        mode {Mode} ({ClicksPerRequest} clicks/request, {Connections} connections), {Seconds:F1} s
        sent {Sent:N0}, accepted {Accepted:N0}, rejected {Rejected:N0}, failed {Failed:N0}
        {ClicksPerSecond:N0} clicks/s accepted, {RequestsPerSecond:N0} requests/s
        latency p50 {LatencyP50Ms:F2} ms, p99 {LatencyP99Ms:F2} ms, max {LatencyMaxMs:F2} ms
        """;

    public string ToJson() => JsonSerializer.Serialize(this, Indented);
}
