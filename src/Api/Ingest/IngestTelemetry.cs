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
        _accepted = meter.CreateCounter<long>("clickorleans.clicks.accepted", description: "Events (clicks, and the declared streams') staged and answered 202, by stream");
        _rejected = meter.CreateCounter<long>("clickorleans.clicks.rejected", description: "Ingest requests rejected, by stream and reason");
    }

    public void Accepted(string stream, int events) => _accepted.Add(events, new KeyValuePair<string, object?>("stream", stream));

    public void Rejected(string stream, string reason) =>
        _rejected.Add(1, new KeyValuePair<string, object?>("stream", stream), new KeyValuePair<string, object?>("reason", reason));

    /// <summary>A request to a stream this deployment does not run: not tagged by the name it gave, which anyone may vary.</summary>
    public void RejectedUnknownStream() => _rejected.Add(1, new KeyValuePair<string, object?>("reason", "unknown-stream"));
}
