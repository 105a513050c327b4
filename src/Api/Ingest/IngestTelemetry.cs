using System.Diagnostics.Metrics;
using ClickOrleans.Drain;

namespace ClickOrleans.Api.Ingest;

/// <summary>Ingest counters, on the same <c>ClickOrleans</c> meter as the drain's.</summary>
public sealed class IngestTelemetry
{
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _rejected;

    public IngestTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(DrainTelemetry.Name);
        _accepted = meter.CreateCounter<long>("clickorleans.clicks.accepted", description: "Clicks staged and answered 202");
        _rejected = meter.CreateCounter<long>("clickorleans.clicks.rejected", description: "Requests rejected, by reason");
    }

    public void Accepted(int clicks) => _accepted.Add(clicks);

    public void Rejected(string reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
