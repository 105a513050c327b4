using System.Diagnostics.Metrics;

namespace ClickOrleans.Client;

/// <summary>The client's metrics, meter <c>ClickOrleans.Client</c>.</summary>
internal sealed class ClickClientTelemetry
{
    public const string Name = "ClickOrleans.Client";

    private readonly Counter<long> _tracked;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _circuitOpened;
    private readonly Histogram<double> _batchDuration;

    public ClickClientTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _tracked = meter.CreateCounter<long>("clickorleans.client.tracked", description: "Clicks handed to TrackAsync");
        _sent = meter.CreateCounter<long>("clickorleans.client.sent", description: "Clicks the Api accepted (202)");
        _retried = meter.CreateCounter<long>("clickorleans.client.retried", description: "Batches sent again after the Api or the network failed them");
        _dropped = meter.CreateCounter<long>("clickorleans.client.dropped", description: "Clicks not accepted, by reason: invalid (400 naming them), refused (another 4xx), failed (a 5xx past its retries), key (401/403: the client stopped), stopped, circuit (unsent while the circuit is open), timeout (unsent at dispose)");
        _circuitOpened = meter.CreateCounter<long>("clickorleans.client.circuit.opened", description: "Times the circuit opened: batches in a row failed for good, and none is sent for the break");
        _batchDuration = meter.CreateHistogram<double>("clickorleans.client.batch.duration", "s", "Time to get a batch accepted, retries included");
    }

    public void Tracked() => _tracked.Add(1);

    public void Sent(int clicks, TimeSpan duration)
    {
        _sent.Add(clicks);
        _batchDuration.Record(duration.TotalSeconds);
    }

    public void Retried() => _retried.Add(1);

    public void CircuitOpened() => _circuitOpened.Add(1);

    public void Dropped(int clicks, string reason) => _dropped.Add(clicks, new KeyValuePair<string, object?>("reason", reason));
}
