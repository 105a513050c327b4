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
    IEventSink sink, ResiliencePipelineProvider<string> pipelines, ILogger<SinkGrain> logger) : Grain, ISinkGrain
{
    private readonly ResiliencePipeline _retry = pipelines.GetPipeline(SinkRetry.Name);

    public Task<SinkResult> WriteEvents(EventBatch batch) =>
        RunAsync(token => sink.WriteAsync(batch, token), $"write of {batch.PrivateList} partition {batch.Partition} [{batch.ChunkStart}, {batch.ChunkEnd})");

    public async Task Complete(string privateList) =>
        await RunAsync(async token => { await sink.CompleteAsync(privateList, token); return true; }, $"completion of {privateList}");

    private async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, string what)
    {
        try
        {
            return await _retry.ExecuteAsync(async token => await call(token), CancellationToken.None);
        }
        catch (Exception e) when (e is not SinkException)
        {
            LogFailed(logger, what, e);
            throw new SinkException($"The sink's {what} failed: {e.GetType().Name}: {e.Message}");
        }
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "The sink's {What} failed")]
    private static partial void LogFailed(ILogger logger, string what, Exception exception);
}
