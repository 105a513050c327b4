using System.Collections.Concurrent;
using ClickOrleans.Drain;
using ClickOrleans.Staging;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ClickOrleans.Sinks;

/// <summary>
/// Keeps each sink's commits and failures (<see cref="SinkStats"/>) in the stats of the staging list a private list was
/// taken over from, as the sink's calls end, and counts the failures in the metrics. Counted when the sink commits, so a
/// replay's events the sink already had are not counted again, and a sink's commits count while another sink is down.
/// The stats of each staging list are made once: a sink's call costs its record's one round trip and nothing more.
/// </summary>
public sealed partial class SinkStatsRecorder(IConnectionMultiplexer redis, DrainTelemetry telemetry, TimeProvider time, ILogger<SinkStatsRecorder> logger)
{
    private readonly ConcurrentDictionary<string, DrainStats> _stats = new(StringComparer.Ordinal);

    public Task CommittedAsync(string privateList, string sink, long events) => StatsOf(privateList).RecordSinkCommitAsync(sink, events);

    /// <remarks>Redis out of reach too does not hide the sink's failure: the drain reports that one, and this is logged.</remarks>
    public async Task FailedAsync(string privateList, string sink, string reason)
    {
        var stagingKey = StagingKeys.StagingKeyOf(privateList);
        telemetry.RecordSinkFailure(stagingKey, sink);
        try
        {
            await StatsOf(privateList).RecordSinkFailedAsync(sink, new DrainFailure(time.GetUtcNow(), reason));
        }
        catch (RedisException e)
        {
            LogNotRecorded(logger, sink, stagingKey, e);
        }
    }

    private DrainStats StatsOf(string privateList) =>
        _stats.GetOrAdd(StagingKeys.StagingKeyOf(privateList), static (stagingKey, redis) => new DrainStats(redis.GetDatabase(), new StagingKeys(stagingKey)), redis);

    [LoggerMessage(EventId = 1409, Level = LogLevel.Warning, Message = "The {Sink} sink's failure could not be kept in the stats of {StagingKey}")]
    private static partial void LogNotRecorded(ILogger logger, string sink, string stagingKey, Exception exception);
}
