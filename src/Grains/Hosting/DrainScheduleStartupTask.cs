using ClickOrleans.Sinks;
using ClickOrleans.Sinks.Parquet;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace ClickOrleans.Hosting;

/// <summary>
/// On every silo start: migrate the sink's schema to the current version and every stream's tables to its declaration,
/// finish what a crash interrupted in the Parquet archive, and
/// make sure the drain reminder of every shard of every stream is registered.
/// </summary>
internal sealed partial class DrainScheduleStartupTask(
    IGrainFactory grains,
    IEventSink sink,
    ParquetArchive archive,
    StreamCatalog streams,
    ILogger<DrainScheduleStartupTask> logger) : IStartupTask
{
    public async Task Execute(CancellationToken cancellationToken)
    {
        StreamSinks.RequireStore(streams, sink.Name);
        await sink.MigrateAsync(cancellationToken);
        await archive.OpenAsync(cancellationToken);
        foreach (var stream in streams.Streams.Where(stream => stream.Drain.DrainSchedule is null && stream.Drain.DrainPeriod < Drain.AggregatorGrain.ProductionMinimumPeriod))
        {
            LogShortPeriod(logger, stream.Name, stream.Drain.DrainPeriod);
        }

        // Activates every shard's aggregator too: each checks its list's size and drains it from now on.
        var settling = ClusterSettling();
        await Task.WhenAll(streams.Streams
            .SelectMany(stream => new StagingStream(stream.StagingKey, stream.Shards).Shards)
            .Select(shard => settling.ExecuteAsync(
                async _ => await grains.GetGrain<IAggregatorGrain>(shard.Staging!).EnsureScheduled(), cancellationToken).AsTask()));
    }

    /// <summary>
    /// Retries what the cluster refuses while it settles: a silo restarted on the address of one that died (a whole
    /// cluster restarted at once) finds the reminder service still routed to the dead one until the cluster's probes
    /// declare it dead, and would otherwise fail its start.
    /// </summary>
    private ResiliencePipeline ClusterSettling() => new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<OrleansMessageRejectionException>().Handle<SiloUnavailableException>().Handle<TimeoutException>(),
            MaxRetryAttempts = 40,
            Delay = TimeSpan.FromSeconds(1),
            MaxDelay = TimeSpan.FromSeconds(5),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            OnRetry = retry =>
            {
                LogNotSettled(logger, retry.Outcome.Exception!.Message, retry.RetryDelay);
                return ValueTask.CompletedTask;
            },
        })
        .Build();

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning,
        Message = "The cluster refused a drain reminder's registration while it settles ({Reason}); trying again in {Delay}")]
    private static partial void LogNotSettled(ILogger logger, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning,
        Message = "The drain period of stream {Stream} is {Period}, below one minute: the reminder minimum was lowered to match. Use this for tests and demos only")]
    private static partial void LogShortPeriod(ILogger logger, string stream, TimeSpan period);
}
