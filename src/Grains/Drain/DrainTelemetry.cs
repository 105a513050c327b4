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
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _deadLetters;
    private readonly Histogram<double> _drainDuration;
    private readonly Histogram<double> _chunkWriteDuration;

    public DrainTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _drains = meter.CreateCounter<long>("clickorleans.drains", description: "Drains run, by trigger and outcome");
        _elements = meter.CreateCounter<long>("clickorleans.drain.elements", description: "Elements read from private lists");
        _written = meter.CreateCounter<long>("clickorleans.drain.written", description: "Clicks new to the sink");
        _duplicates = meter.CreateCounter<long>("clickorleans.drain.duplicates", description: "Clicks the sink already had");
        _deadLetters = meter.CreateCounter<long>("clickorleans.dead_letters", description: "Elements moved to the dead-letter list");
        _drainDuration = meter.CreateHistogram<double>("clickorleans.drain.duration", "s", "Duration of a drain");
        _chunkWriteDuration = meter.CreateHistogram<double>("clickorleans.chunk.write.duration", "s", "Time for every partition to commit one chunk");
        meter.CreateObservableGauge("clickorleans.staging.backlog", ObserveBacklogs, description: "Elements waiting on the staging list, as last checked");
    }

    public void RecordDrain(string stagingKey, DrainTrigger trigger, DrainResult result)
    {
        var key = new KeyValuePair<string, object?>("staging_key", stagingKey);
        _drains.Add(1, key, new("trigger", trigger.ToString()), new("outcome", "completed"));
        _elements.Add(result.Elements, key);
        _written.Add(result.Written, key);
        _duplicates.Add(result.Duplicates, key);
        _deadLetters.Add(result.Dead, key);
        _drainDuration.Record(result.Duration.TotalSeconds, key);
    }

    public void RecordFailedDrain(string stagingKey, DrainTrigger trigger) =>
        _drains.Add(1, new("staging_key", stagingKey), new("trigger", trigger.ToString()), new("outcome", "failed"));

    public void RecordChunkWrite(TimeSpan duration) => _chunkWriteDuration.Record(duration.TotalSeconds);

    public void RecordBacklog(string stagingKey, long backlog) => _backlogs[stagingKey] = backlog;

    private IEnumerable<Measurement<long>> ObserveBacklogs()
    {
        foreach (var (stagingKey, backlog) in _backlogs)
        {
            yield return new Measurement<long>(backlog, new KeyValuePair<string, object?>("staging_key", stagingKey));
        }
    }
}
