using ClickOrleans.Sinks;
using ClickOrleans.Staging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Hosting;

/// <summary>On every silo start: migrate the sink's schema to the current version, and make sure every shard's drain reminder is registered.</summary>
internal sealed partial class DrainScheduleStartupTask(
    IGrainFactory grains,
    IClickSink sink,
    IOptions<ClickOptions> options,
    ILogger<DrainScheduleStartupTask> logger) : IStartupTask
{
    public async Task Execute(CancellationToken cancellationToken)
    {
        await sink.MigrateAsync(cancellationToken);
        if (options.Value.DrainSchedule is null && options.Value.DrainPeriod < Drain.AggregatorGrain.ProductionMinimumPeriod)
        {
            LogShortPeriod(logger, options.Value.DrainPeriod);
        }

        // Activates every shard's aggregator too: each checks its list's size and drains it from now on.
        await Task.WhenAll(new StagingStream(options.Value).Shards.Select(shard => grains.GetGrain<IAggregatorGrain>(shard.Staging!).EnsureScheduled()));
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning,
        Message = "Clicks:DrainPeriod is {Period}, below one minute: the reminder minimum was lowered to match. Use this for tests and demos only")]
    private static partial void LogShortPeriod(ILogger logger, TimeSpan period);
}
