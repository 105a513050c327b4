using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ClickOrleans.Drain;

/// <summary>The drain's metrics (meter <c>ClickOrleans</c>) and traces (one span per drain, one per chunk).</summary>
public sealed class DrainTelemetry
{
    public const string Name = "ClickOrleans";

    public static readonly ActivitySource Source = new(Name);

    private readonly ConcurrentDictionary<string, long> _backlogs = new();
    private readonly Counter<long> _drains;
    private readonly Counter<long> _elements;
    private readonly Counter<long> _written;
    private readonly Counter<long> _skipped;
    private readonly Counter<long> _deadLetters;
    private readonly Counter<long> _lost;
    private readonly Histogram<double> _drainDuration;
    private readonly Histogram<double> _chunkWriteDuration;

    public DrainTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _drains = meter.CreateCounter<long>("clickorleans.drains", description: "Drains run, by trigger and outcome");
        _elements = meter.CreateCounter<long>("clickorleans.drain.elements", description: "Elements read from private lists and committed");
        _written = meter.CreateCounter<long>("clickorleans.drain.written", description: "Clicks written to the sink");
        _skipped = meter.CreateCounter<long>("clickorleans.drain.skipped", description: "Clicks the sink had already written (replayed chunks)");
        _deadLetters = meter.CreateCounter<long>("clickorleans.dead_letters", description: "Elements moved to the dead-letter list");
        _lost = meter.CreateCounter<long>("clickorleans.drain.lost", description: "Elements of private lists that vanished from Redis before they were drained");
        _drainDuration = meter.CreateHistogram<double>("clickorleans.drain.duration", "s", "Duration of a drain");
        _chunkWriteDuration = meter.CreateHistogram<double>("clickorleans.chunk.write.duration", "s", "Time for every partition to commit one chunk");
        meter.CreateObservableGauge("clickorleans.staging.backlog", ObserveBacklogs, description: "Elements waiting on the staging list, as last checked");
    }

    /// <summary>A chunk committed: its stats count at once, whatever happens to the rest of the drain.</summary>
    public void RecordChunk(string stagingKey, int elements, long written, long skipped, int dead, TimeSpan writeDuration)
    {
        var key = new KeyValuePair<string, object?>("staging_key", stagingKey);
        _elements.Add(elements, key);
        _written.Add(written, key);
        _skipped.Add(skipped, key);
        _deadLetters.Add(dead, key);
        _chunkWriteDuration.Record(writeDuration.TotalSeconds, key);
    }

    public void RecordLost(string stagingKey, long lost) => _lost.Add(lost, new KeyValuePair<string, object?>("staging_key", stagingKey));

    public void RecordDrain(string stagingKey, DrainTrigger trigger, string outcome, TimeSpan duration)
    {
        var key = new KeyValuePair<string, object?>("staging_key", stagingKey);
        _drains.Add(1, key, new("trigger", trigger.ToString()), new("outcome", outcome));
        _drainDuration.Record(duration.TotalSeconds, key, new("outcome", outcome));
    }

    public void RecordBacklog(string stagingKey, long backlog) => _backlogs[stagingKey] = backlog;

    private IEnumerable<Measurement<long>> ObserveBacklogs()
    {
        foreach (var (stagingKey, backlog) in _backlogs)
        {
            yield return new Measurement<long>(backlog, new KeyValuePair<string, object?>("staging_key", stagingKey));
        }
    }
}
