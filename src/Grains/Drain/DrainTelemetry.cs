using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ClickOrleans.Streams;

namespace ClickOrleans.Drain;

/// <summary>The drain's metrics (meter <c>ClickOrleans</c>, tagged by staging list and stream) and traces (one span per drain, one per chunk).</summary>
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
    private readonly Counter<long> _sinkFailures;
    private readonly Histogram<double> _drainDuration;
    private readonly Histogram<double> _chunkWriteDuration;

    private readonly StreamCatalog _streams;

    public DrainTelemetry(IMeterFactory meters, StreamCatalog streams)
    {
        _streams = streams;
        var meter = meters.Create(Name);
        _drains = meter.CreateCounter<long>("clickorleans.drains", description: "Drains run, by trigger and outcome");
        _elements = meter.CreateCounter<long>("clickorleans.drain.elements", description: "Elements read from private lists and committed");
        _written = meter.CreateCounter<long>("clickorleans.drain.written", description: "Clicks written to the sink");
        _skipped = meter.CreateCounter<long>("clickorleans.drain.skipped", description: "Clicks the sink had already written (replayed chunks)");
        _deadLetters = meter.CreateCounter<long>("clickorleans.dead_letters", description: "Elements moved to the dead-letter list");
        _lost = meter.CreateCounter<long>("clickorleans.drain.lost", description: "Elements of private lists that vanished from Redis before they were drained");
        _sinkFailures = meter.CreateCounter<long>("clickorleans.sink.failures", description: "Sink writes and completions that failed after their retries, by sink");
        _drainDuration = meter.CreateHistogram<double>("clickorleans.drain.duration", "s", "Duration of a drain");
        _chunkWriteDuration = meter.CreateHistogram<double>("clickorleans.chunk.write.duration", "s", "Time for every partition to commit one chunk");
        meter.CreateObservableGauge("clickorleans.staging.backlog", ObserveBacklogs, description: "Elements waiting on the staging list, as last checked");
    }

    /// <summary>A chunk committed: its stats count at once, whatever happens to the rest of the drain.</summary>
    public void RecordChunk(string stagingKey, int elements, long written, long skipped, int dead, TimeSpan writeDuration)
    {
        var tags = Tags(stagingKey);
        _elements.Add(elements, tags);
        _written.Add(written, tags);
        _skipped.Add(skipped, tags);
        _deadLetters.Add(dead, tags);
        _chunkWriteDuration.Record(writeDuration.TotalSeconds, tags);
    }

    public void RecordLost(string stagingKey, long lost) => _lost.Add(lost, Tags(stagingKey));

    public void RecordSinkFailure(string stagingKey, string sink)
    {
        var tags = Tags(stagingKey);
        tags.Add("sink", sink);
        _sinkFailures.Add(1, tags);
    }

    public void RecordDrain(string stagingKey, DrainTrigger trigger, string outcome, TimeSpan duration)
    {
        var tags = Tags(stagingKey);
        tags.Add("outcome", outcome);
        _drainDuration.Record(duration.TotalSeconds, tags);
        tags.Add("trigger", trigger.ToString());
        _drains.Add(1, tags);
    }

    public void RecordBacklog(string stagingKey, long backlog) => _backlogs[stagingKey] = backlog;

    private IEnumerable<Measurement<long>> ObserveBacklogs()
    {
        foreach (var (stagingKey, backlog) in _backlogs)
        {
            yield return new Measurement<long>(backlog, Tags(stagingKey));
        }
    }

    /// <summary>Every drain metric's tags: the staging list (a shard) and the stream it belongs to.</summary>
    private TagList Tags(string stagingKey) => new() { { "staging_key", stagingKey }, { "stream", _streams.OfStagingKey(stagingKey).Name } };
}
