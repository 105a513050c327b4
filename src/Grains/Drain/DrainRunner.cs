using ClickOrleans.Staging;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ClickOrleans.Drain;

/// <summary>
/// Single flight for the drains of one staging list: one drain runs at a time; a trigger during a drain queues exactly
/// one follow-up drain, which starts as soon as the running one ends, and every trigger meanwhile shares it. Records
/// each outcome (stats in Redis, metrics, one log line) and stops between chunks when its owner deactivates.
/// </summary>
/// <remarks>
/// Not thread-safe: it runs on its grain's scheduler, one turn at a time, as the grain's own fields would.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "A CancellationTokenSource without a timer holds nothing to free, and the drain still running at deactivation reads its token.")]
internal sealed partial class DrainRunner(
    string stagingKey, StagingDrain drain, DrainStats stats, DrainTelemetry telemetry, TimeProvider time, ILogger logger)
{
    private const string Deactivating = "The aggregator is deactivating (its silo stops); the next drain, on another silo, resumes where this one stopped.";
    // Cancelled when the activation deactivates, never disposed: a trigger arriving meanwhile still reads it.
    private readonly CancellationTokenSource _deactivating = new();
    private Task<DrainResult>? _running;
    private TaskCompletionSource<DrainResult>? _followUp;

    public bool IsRunning => _running is not null;

    /// <returns>The drain that starts now, or the follow-up of the running one.</returns>
    public Task<DrainResult> Schedule(long tickId, DrainTrigger trigger)
    {
        if (_deactivating.IsCancellationRequested)
        {
            return Task.FromException<DrainResult>(new DrainFailedException(Deactivating));
        }

        if (_running is null)
        {
            return _running = RunAsync(tickId, trigger);
        }

        if (_followUp is null)
        {
            _followUp = new TaskCompletionSource<DrainResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            LogTriggeredWhileRunning(logger, stagingKey, trigger);
        }

        return _followUp.Task;
    }

    /// <summary>
    /// Stops between chunks: what is committed stays committed, the rest waits for the next drain. A chunk still
    /// unfinished after <paramref name="wait"/> is left to finish or fail on its own: the next drain replays it, and the
    /// progress marks skip whatever this one commits late.
    /// </summary>
    public async Task StopAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        await _deactivating.CancelAsync();
        if (_running is { } running)
        {
            await ((Task)running).WaitAsync(wait, cancellationToken)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
            if (!running.IsCompleted)
            {
                LogLeftRunning(logger, stagingKey, wait);
            }
        }
    }

    private async Task<DrainResult> RunAsync(long tickId, DrainTrigger trigger)
    {
        // Yield first so that _running is set before the drain can finish and clear it.
        await Task.Yield();
        LogDrainStarted(logger, stagingKey, trigger, tickId);
        var started = time.GetTimestamp();
        try
        {
            var result = await drain.RunAsync(tickId, _deactivating.Token);
            await stats.RecordCompletedAsync(result);
            telemetry.RecordDrain(stagingKey, trigger, "completed", result.Duration);
            LogDrained(logger, stagingKey, trigger, result.Lists.Length, result.Elements, result.Written,
                result.Skipped, result.Dead, result.Lost, result.Chunks, result.Duration.TotalMilliseconds);
            return result;
        }
        catch (StagingConflictException e)
        {
            // Another activation drains this list: not a failure of the pipeline, which goes on there.
            telemetry.RecordDrain(stagingKey, trigger, "conflict", time.GetElapsedTime(started));
            LogConflict(logger, stagingKey, e.Message);
            throw new DrainFailedException(e.Message);
        }
        catch (OperationCanceledException) when (_deactivating.IsCancellationRequested)
        {
            LogStoppedByDeactivation(logger, stagingKey);
            throw new DrainFailedException(Deactivating);
        }
        catch (Exception e)
        {
            telemetry.RecordDrain(stagingKey, trigger, "failed", time.GetElapsedTime(started));
            LogDrainFailed(logger, stagingKey, e);
            var failure = new DrainFailure(time.GetUtcNow(), $"{e.GetType().Name}: {e.Message}");
            await RecordFailureAsync(failure);
            throw new DrainFailedException(
                $"The drain of {stagingKey} failed: {failure.Reason}. What it committed stays committed; the next drain resumes the rest.");
        }
        finally
        {
            _running = null;
            if (_followUp is { } followUp)
            {
                _followUp = null;
                if (_deactivating.IsCancellationRequested)
                {
                    followUp.TrySetException(new DrainFailedException(Deactivating));
                }
                else
                {
                    ForwardAsync(Schedule(DrainTick.Now(time), DrainTrigger.FollowUp), followUp).Ignore();
                }
            }
        }
    }

    // Recording the failure needs Redis, which may be what failed: the drain's own error is the one to report.
    private async Task RecordFailureAsync(DrainFailure failure)
    {
        try
        {
            await stats.RecordFailedAsync(failure);
        }
        catch (RedisException e)
        {
            LogFailureNotRecorded(logger, stagingKey, e.Message);
        }
    }

    private static async Task ForwardAsync(Task<DrainResult> drain, TaskCompletionSource<DrainResult> to)
    {
        try
        {
            to.TrySetResult(await drain);
        }
        catch (Exception e)
        {
            to.TrySetException(e);
        }
    }
}
