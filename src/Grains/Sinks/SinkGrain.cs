using ClickOrleans.Sinks.Parquet;
using ClickOrleans.Streams;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Polly;
using Polly.Registry;

namespace ClickOrleans.Sinks;

/// <summary>
/// Writes sink partitions on the caller's silo, retrying transient store errors with exponential backoff and jitter
/// (<see cref="SinkRetry"/>). What still fails reaches the drain as a <see cref="SinkException"/> carrying the cause as
/// text, whatever the store's exception type.
/// </summary>
[StatelessWorker]
[Reentrant]
public sealed partial class SinkGrain(
    IEventSink sink, ParquetArchive archive, ArchiveTelemetry archiveTelemetry, ResiliencePipelineProvider<string> pipelines, ILogger<SinkGrain> logger) : Grain, ISinkGrain
{
    private readonly ResiliencePipeline _retry = pipelines.GetPipeline(SinkRetry.Name);

    /// <remarks>
    /// The store first, then the archive of a stream that has one, each exactly once by marks of its own: the archive
    /// leaves out what the store refused (dead letters), and the drain trims the chunk only once both committed.
    /// </remarks>
    public async Task<SinkResult> WriteEvents(EventBatch batch)
    {
        var what = $"write of {batch.PrivateList} partition {batch.Partition} [{batch.ChunkStart}, {batch.ChunkEnd})";
        var result = await RunAsync(token => sink.WriteAsync(batch, token), sink.Name, what);
        if (archive.Archives(batch.Stream))
        {
            HashSet<long> refused = [.. result.Refused.Select(refusal => refusal.Position)];
            archiveTelemetry.RecordWritten(batch.Stream, await RunAsync(token => archive.WriteAsync(batch, refused, token), StreamSinks.Parquet, what));
        }

        return result;
    }

    public async Task Complete(string privateList)
    {
        await RunAsync(async token => { await sink.CompleteAsync(privateList, token); return true; }, sink.Name, $"completion of {privateList}");
        await RunAsync(async token => { await archive.CompleteAsync(privateList, token); return true; }, StreamSinks.Parquet, $"completion of {privateList}");
    }

    /// <param name="name">The sink's name (<see cref="IEventSink.Name"/>, or <c>parquet</c>), in the error a drain reports.</param>
    private async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, string name, string what)
    {
        try
        {
            return await _retry.ExecuteAsync(async token => await call(token), CancellationToken.None);
        }
        catch (Exception e) when (e is not SinkException)
        {
            LogFailed(logger, name, what, e);
            throw new SinkException($"The {name} sink's {what} failed: {e.GetType().Name}: {e.Message}");
        }
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "The {Sink} sink's {What} failed")]
    private static partial void LogFailed(ILogger logger, string sink, string what, Exception exception);
}
