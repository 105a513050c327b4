using Microsoft.Extensions.Logging;

namespace ClickOrleans.Drain;

internal sealed partial class DrainRunner
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "Drained {StagingKey} ({Trigger}): {Lists} private lists, {Elements} elements, {Written} written, {Skipped} skipped, {Dead} dead, {Lost} lost, {Chunks} chunks in {DurationMs:F0} ms")]
    private static partial void LogDrained(ILogger logger, string stagingKey, DrainTrigger trigger, int lists, long elements, long written,
        long skipped, long dead, long lost, int chunks, double durationMs);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error,
        Message = "Drain of {StagingKey} failed; committed chunks stay committed and the next drain resumes the rest")]
    private static partial void LogDrainFailed(ILogger logger, string stagingKey, Exception exception);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning,
        Message = "Drain of {StagingKey} stopped: {Reason}")]
    private static partial void LogConflict(ILogger logger, string stagingKey, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information,
        Message = "Drain of {StagingKey} stopped between chunks because the activation is deactivating")]
    private static partial void LogStoppedByDeactivation(ILogger logger, string stagingKey);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Debug,
        Message = "{Trigger} asked for a drain of {StagingKey} while one runs; one more drain follows it")]
    private static partial void LogTriggeredWhileRunning(ILogger logger, string stagingKey, DrainTrigger trigger);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information,
        Message = "Draining {StagingKey} ({Trigger}, tick {TickId})")]
    private static partial void LogDrainStarted(ILogger logger, string stagingKey, DrainTrigger trigger, long tickId);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning,
        Message = "Could not record the failed drain of {StagingKey} in Redis: {Reason}")]
    private static partial void LogFailureNotRecorded(ILogger logger, string stagingKey, string reason);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning,
        Message = "The drain of {StagingKey} did not stop within {Wait} of the deactivation; its chunk is left to finish or fail, and the next drain replays it (the progress marks skip what it commits late)")]
    private static partial void LogLeftRunning(ILogger logger, string stagingKey, TimeSpan wait);
}
