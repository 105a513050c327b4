using Microsoft.Extensions.Logging;

namespace ClickOrleans.Drain;

public sealed partial class AggregatorGrain
{
    [LoggerMessage(EventId = 1006, Level = LogLevel.Information,
        Message = "Drain of {StagingKey} scheduled: {Schedule}")]
    private static partial void LogScheduled(ILogger logger, string stagingKey, string schedule);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Information,
        Message = "The aggregator of {StagingKey} moves to silo {Silo}, where shard placement puts it")]
    private static partial void LogMoving(ILogger logger, string stagingKey, SiloAddress silo);
}
