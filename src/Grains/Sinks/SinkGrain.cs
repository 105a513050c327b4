using ClickOrleans.Sinks.Parquet;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Polly;
using Polly.Registry;

namespace ClickOrleans.Sinks;

/// <summary>
/// Writes sink partitions on the caller's silo, retrying transient store errors with exponential backoff and jitter
/// (<see cref="SinkRetry"/>). What still fails reaches the drain as a <see cref="SinkException"/> carrying the cause as
/// text, whatever the store's exception type. Each sink's commits and failures go to its stream's stats as they end.
/// </summary>
[StatelessWorker]
[Reentrant]
public sealed partial class SinkGrain(
    IEventSink sink,
    ParquetArchive archive,
    StreamCatalog streams,
    SinkStatsRecorder stats,
    ArchiveTelemetry archiveTelemetry,
    ResiliencePipelineProvider<string> pipelines,
    ILogger<SinkGrain> logger) : Grain, ISinkGrain
{
    private readonly ResiliencePipeline _retry = pipelines.GetPipeline(SinkRetry.Name);

    /// <remarks>
    /// The store first, then the archive of a stream that has one, each exactly once by marks of its own: the archive
    /// leaves out what the store refused (dead letters), and the drain trims the chunk only once both committed.
    /// </remarks>
    public async Task<SinkResult> WriteEvents(EventBatch batch)
    {
        var what = $"write of {batch.PrivateList} partition {batch.Partition} [{batch.ChunkStart}, {batch.ChunkEnd})";
        var result = await RunAsync(token => sink.WriteAsync(batch, token), sink.Name, batch.PrivateList, what, result => result.Written);
        if (archive.Archives(batch.Stream))
        {
            HashSet<long> refused = [.. result.Refused.Select(refusal => refusal.Position)];
            archiveTelemetry.RecordWritten(
                batch.Stream, await RunAsync(token => archive.WriteAsync(batch, refused, token), StreamSinks.Parquet, batch.PrivateList, what, archived => archived));
        }

        return result;
    }

    public async Task Complete(string privateList)
    {
        var what = $"completion of {privateList}";
        await RunAsync(async token => { await sink.CompleteAsync(privateList, token); return 0; }, sink.Name, privateList, what, _ => 0);
        if (archive.Archives(streams.OfStagingKey(StagingKeys.StagingKeyOf(privateList)).Name))
        {
            await RunAsync(async token => { await archive.CompleteAsync(privateList, token); return 0; }, StreamSinks.Parquet, privateList, what, _ => 0);
        }
    }

    /// <summary>Runs a sink's call with its retries and records how it ended in the stream's stats.</summary>
    /// <param name="name">The sink's name (<see cref="IEventSink.Name"/>, or <c>parquet</c>), in the error a drain reports.</param>
    /// <param name="committed">The events the call committed, from its result.</param>
    private async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, string name, string privateList, string what, Func<T, int> committed)
    {
        T result;
        try
        {
            result = await _retry.ExecuteAsync(async token => await call(token), CancellationToken.None);
        }
        catch (Exception e) when (e is not SinkException)
        {
            LogFailed(logger, name, what, e);
            var reason = $"The {name} sink's {what} failed: {e.GetType().Name}: {e.Message}";
            await stats.FailedAsync(privateList, name, reason);
            throw new SinkException(reason);
        }

        await stats.CommittedAsync(privateList, name, committed(result));
        return result;
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "The {Sink} sink's {What} failed")]
    private static partial void LogFailed(ILogger logger, string sink, string what, Exception exception);
}
