using ClickOrleans.Staging;
using Microsoft.Extensions.Logging;

namespace ClickOrleans.Drain;

/// <summary>
/// The drain algorithm: finish the private lists earlier drains left behind, take the staging list over, and write
/// every private list to the sink partitions chunk by chunk, oldest first, committing progress only after the sink did.
/// </summary>
/// <remarks>
/// Exactly once: a chunk is committed in Redis only after every partition committed it in the sink; a crash in
/// between replays the chunk, and the sink skips the event ids it already has. Memory: one chunk at a time.
/// </remarks>
internal sealed partial class StagingDrain(
    StagingList staging,
    DrainOptions options,
    IGrainFactory grains,
    DrainTelemetry telemetry,
    TimeProvider time,
    ILogger logger)
{
    public async Task<DrainResult> RunAsync(long tickId, CancellationToken cancellationToken)
    {
        using var activity = DrainTelemetry.Source.StartActivity("drain");
        activity?.SetTag("clickorleans.staging_key", (string?)staging.Keys.Staging);
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        var tally = new DrainTally();
        foreach (var orphan in await staging.PendingAsync())
        {
            LogFinishingOrphan(logger, orphan.Name, orphan.Offset);
            await DrainPrivateListAsync(orphan, tally, cancellationToken);
        }

        if (await staging.TakeOverAsync(tickId) is { } taken)
        {
            await DrainPrivateListAsync(taken, tally, cancellationToken);
        }

        return tally.ToResult(startedAt, time.GetElapsedTime(started));
    }

    private async Task DrainPrivateListAsync(PendingList privateList, DrainTally tally, CancellationToken cancellationToken)
    {
        var offset = privateList.Offset;
        var drainTimeMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var elements = await staging.ReadOldestAsync(privateList.Name, options.ChunkSize);
            if (elements.Length == 0)
            {
                break;
            }

            using var activity = DrainTelemetry.Source.StartActivity("drain chunk");
            activity?.SetTag("clickorleans.private_list", privateList.Name);
            activity?.SetTag("clickorleans.offset", offset);
            activity?.SetTag("clickorleans.elements", elements.Length);
            var chunk = DrainChunk.Parse(elements, privateList.Name, offset, drainTimeMs, options.Partitions);
            var writeStarted = time.GetTimestamp();
            var written = await WriteAsync(chunk);
            telemetry.RecordChunkWrite(time.GetElapsedTime(writeStarted));
            await staging.CommitAsync(privateList.Name, offset, elements.Length, chunk.DeadLetters);
            offset += elements.Length;
            tally.AddChunk(elements.Length, written, chunk.DeadLetters.Length);
        }

        await staging.CompleteAsync(privateList.Name);
        tally.Lists.Add(privateList.Name);
    }

    private async Task<SinkResult> WriteAsync(DrainChunk chunk)
    {
        var writes = new List<Task<SinkResult>>(chunk.Partitions.Length);
        for (var partition = 0; partition < chunk.Partitions.Length; partition++)
        {
            if (chunk.Partitions[partition] is { } clicks)
            {
                writes.Add(grains.GetGrain<ISinkGrain>(partition).Write(new ClickBatch([.. clicks])));
            }
        }

        var total = default(SinkResult);
        foreach (var result in await Task.WhenAll(writes))
        {
            total += result;
        }

        return total;
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information,
        Message = "Finishing private list {PrivateList} left by an earlier drain, from element {Offset}")]
    private static partial void LogFinishingOrphan(ILogger logger, string privateList, long offset);
}
