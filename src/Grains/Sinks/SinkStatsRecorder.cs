using ClickOrleans.Drain;
using ClickOrleans.Staging;
using StackExchange.Redis;

namespace ClickOrleans.Sinks;

/// <summary>
/// Keeps each sink's commits and failures (<see cref="SinkStats"/>) in the stats of the staging list a private list was
/// taken over from, as the sink's calls end, and counts the failures in the metrics. Counted when the sink commits, so a
/// replay's events the sink already had are not counted again, and a sink's commits count while another sink is down.
/// </summary>
public sealed class SinkStatsRecorder(IConnectionMultiplexer redis, DrainTelemetry telemetry, TimeProvider time)
{
    public Task CommittedAsync(string privateList, string sink, long events) => StatsOf(privateList).RecordSinkCommitAsync(sink, events);

    public Task FailedAsync(string privateList, string sink, string reason)
    {
        telemetry.RecordSinkFailure(StagingKeys.OfPrivateList(privateList).Staging!, sink);
        return StatsOf(privateList).RecordSinkFailedAsync(sink, new DrainFailure(time.GetUtcNow(), reason));
    }

    private DrainStats StatsOf(string privateList) => new(redis.GetDatabase(), StagingKeys.OfPrivateList(privateList));
}
