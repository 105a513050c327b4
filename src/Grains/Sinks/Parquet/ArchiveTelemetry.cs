using System.Diagnostics.Metrics;
using ClickOrleans.Drain;

namespace ClickOrleans.Sinks.Parquet;

/// <summary>The archive's metrics (meter <c>ClickOrleans</c>, tagged by stream): events archived, files compacted away, compactions failed.</summary>
public sealed class ArchiveTelemetry
{
    private readonly Counter<long> _archived;
    private readonly Counter<long> _compacted;
    private readonly Counter<long> _compactionFailures;

    public ArchiveTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(DrainTelemetry.Name);
        _archived = meter.CreateCounter<long>("clickorleans.archive.written", description: "Events written to the Parquet archive (replays and refused events not counted)");
        _compacted = meter.CreateCounter<long>("clickorleans.archive.compacted", description: "Archive files merged away by compaction");
        _compactionFailures = meter.CreateCounter<long>("clickorleans.archive.compaction.failures", description: "Compaction passes over a stream that failed (its files stay as they are)");
    }

    public void RecordWritten(string stream, int events) => _archived.Add(events, new KeyValuePair<string, object?>("stream", stream));

    public void RecordCompacted(string stream, int files) => _compacted.Add(files, new KeyValuePair<string, object?>("stream", stream));

    public void RecordCompactionFailure(string stream) => _compactionFailures.Add(1, new KeyValuePair<string, object?>("stream", stream));
}
