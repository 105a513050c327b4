using ClickOrleans.Sinks;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using Microsoft.Extensions.Logging;

namespace ClickOrleans.Drain;

/// <summary>
/// The drain algorithm: finish the private lists earlier drains left, take the staging list over, and write every
/// private list to the sink partitions chunk by chunk, oldest first, each element read by its stream's
/// <see cref="EventRules"/> of the schema version recorded at the list's take-over.
/// </summary>
/// <remarks>
/// Exactly once: each sink partition writes its events, their rollups and its progress mark (the chunk's end) in one
/// transaction, and skips the events below the mark it has; a chunk is committed in Redis only after every partition
/// wrote it. A crash anywhere replays at most the chunk in flight, and the marks make the replay write nothing twice.
/// Reads and commits both check the committed offset, so a stale drain can neither mislabel nor commit elements.
/// Memory: at most two chunks, the one being written and the next, read meanwhile.
/// </remarks>
internal sealed partial class StagingDrain(
    PrivateLists privateLists,
    EventRules rules,
    SchemaVersions versions,
    ClickOptions options,
    IGrainFactory grains,
    DrainTelemetry telemetry,
    TimeProvider time,
    ILogger logger)
{
    private string StagingKey => privateLists.Keys.Staging!;

    public async Task<DrainResult> RunAsync(long tickId, CancellationToken cancellationToken)
    {
        using var activity = DrainTelemetry.Source.StartActivity("drain");
        activity?.SetTag("clickorleans.staging_key", StagingKey);
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        var stats = new RunningDrainStats();
        foreach (var left in await privateLists.AllAsync())
        {
            LogResuming(logger, left.Name, left.CommittedOffset, left.Length);
            await privateLists.ConfirmAcknowledgedAsync(left);
            await DrainAsync(left, stats, cancellationToken);
        }

        if (await privateLists.TakeOverAsync(tickId, options.Partitions, options.MaxClockSkew, rules.PartitionedBy, rules.Version) is { } taken)
        {
            await DrainAsync(taken, stats, cancellationToken);
        }

        return stats.ToResult(startedAt, time.GetElapsedTime(started));
    }

    private async Task DrainAsync(PrivateList list, RunningDrainStats stats, CancellationToken cancellationToken)
    {
        // Its elements' fate was fixed at its take-over: judged by the schema version recorded with it, whatever this silo declares.
        var listRules = await versions.RulesAsync(rules.Stream.Name, list.Version, cancellationToken);
        var context = new ElementContext(
            ClickId.SeedOf(list.Name), list.TakenOverAtMs, list.LatestTimestampMs ?? list.TakenOverAtMs + (long)options.MaxClockSkew.TotalMilliseconds);
        var offset = list.CommittedOffset;
        var next = privateLists.ReadAsync(list.Name, offset, 0, options.ChunkSize, options.MaxElementBytes, options.ReadWindow);
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var elements = await next;
                if (elements.Count == 0)
                {
                    break;
                }

                // The next chunk is read while this one is written: it sits past the committed offset this drain expects.
                next = privateLists.ReadAsync(list.Name, offset, elements.Count, options.ChunkSize, options.MaxElementBytes, options.ReadWindow);
                using var activity = DrainTelemetry.Source.StartActivity("drain chunk");
                activity?.SetTag("clickorleans.private_list", list.Name);
                activity?.SetTag("clickorleans.offset", offset);
                activity?.SetTag("clickorleans.elements", elements.Count);
                var chunk = EventChunk.Parse(elements, listRules, list.Name, context, list.Partitions, list.PartitionedBy ?? rules.UnrecordedPartitioning);
                var writeStarted = time.GetTimestamp();
                var (written, skipped) = await WriteAsync(list.Name, chunk, elements);
                var writeDuration = time.GetElapsedTime(writeStarted);
                var dead = chunk.DeadLetters.ToArray();
                await privateLists.CommitAsync(list.Name, offset, chunk.Count, written, skipped, dead, options.MaxDeadLetters);
                telemetry.RecordChunk(StagingKey, chunk.Count, written, skipped, dead.Length, writeDuration);
                stats.AddChunk(chunk.Count, written, skipped, dead.Length);
                offset += chunk.Count;
            }
        }
        finally
        {
            next.Ignore();
        }

        await CompleteAsync(list, offset, stats);
    }

    private async Task CompleteAsync(PrivateList list, long offset, RunningDrainStats stats)
    {
        PrivateListLoss? loss = null;
        if (offset < list.Length)
        {
            loss = new PrivateListLoss(list.Name, list.Length - offset, time.GetUtcNow());
            LogLost(logger, list.Name, loss.Lost, list.Length, offset);
            telemetry.RecordLost(StagingKey, loss.Lost);
            stats.AddLost(loss.Lost);
        }

        // The sink first: a stale drain's later write of this list is then skipped whole, even after its marks are pruned.
        await grains.GetGrain<ISinkGrain>(0).Complete(list.Name);
        await privateLists.CompleteAsync(list.Name, offset, loss);
        stats.Lists.Add(list.Name);
    }

    /// <summary>Writes every partition of a chunk in parallel; what the sink refused joins the chunk's dead letters.</summary>
    private async Task<(long Written, long Skipped)> WriteAsync(string privateList, EventChunk chunk, ChunkElements elements)
    {
        var writes = chunk.Write(grains.GetGrain<ISinkGrain>(0), privateList);
        long written = 0, skipped = 0;
        foreach (var result in await Task.WhenAll(writes))
        {
            written += result.Written;
            skipped += result.Skipped;
            foreach (var refused in result.Refused)
            {
                LogRefused(logger, privateList, refused.Position, refused.Reason);
                var element = elements[(int)(refused.Position - elements.Start)];
                chunk.DeadLetters.Add(DeadLetter.Of("refused by the sink: " + refused.Reason, privateList, refused.Position, element).ToRedisValue());
            }
        }

        return (written, skipped);
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information,
        Message = "Resuming private list {PrivateList} left by an earlier drain, from element {Offset} of {Length}")]
    private static partial void LogResuming(ILogger logger, string privateList, long offset, long length);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error,
        Message = "Private list {PrivateList} vanished from Redis with {Lost} of its {Length} elements not drained (committed: {Offset}); they are lost. Something deleted or trimmed it behind the drain's back")]
    private static partial void LogLost(ILogger logger, string privateList, long lost, long length, long offset);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning,
        Message = "The sink refused element {Position} of {PrivateList}; it goes to the dead-letter list: {Reason}")]
    private static partial void LogRefused(ILogger logger, string privateList, long position, string reason);
}
