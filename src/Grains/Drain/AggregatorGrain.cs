using ClickOrleans.Hosting;
using ClickOrleans.Staging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using StackExchange.Redis;

namespace ClickOrleans.Drain;

/// <summary>
/// The singleton drainer of one staging list (the grain key is the list's Redis key). Three things start a drain:
/// the reminder (the time bound), a poke from a producer whose push crossed the flush size, and a timer that
/// finds the list past the flush size (producers that push straight to Redis). Each starts the drain and returns
/// at once: a reminder tick that throws is not retried, and a long drain must not hold up the next triggers.
/// </summary>
/// <remarks>
/// One drain runs at a time. A trigger during a drain queues exactly one follow-up drain, which starts as soon as the
/// running one ends; <see cref="Drain"/> during a drain waits for that follow-up, because the running drain may have
/// taken the staging list over before the call, and the caller is promised everything it staged before the call.
/// </remarks>
[Reentrant]
[ShardPlacement]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "A CancellationTokenSource without a timer holds nothing to free, and the drain still running at deactivation reads its token.")]
public sealed partial class AggregatorGrain(
    IConnectionMultiplexer redis,
    ReplicatedWrites writes,
    IOptions<ClickOptions> options,
    DrainTelemetry telemetry,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    TimeProvider time,
    ILogger<AggregatorGrain> logger) : Grain, IAggregatorGrain, IRemindable
{
    private const string ReminderName = "drain";
    // How long a deactivation waits for the running chunk: well within the silo's 25 s shutdown, so a chunk whose
    // write hangs (a sink grain call lost as the silo stops waits out Orleans' 30 s response timeout) cannot hold the
    // silo past its grace period and get it killed.
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(10);
    private const string Deactivating = "The aggregator is deactivating (its silo stops); the next drain, on another silo, resumes where this one stopped.";
    // Cancelled when the activation deactivates, never disposed: a trigger arriving meanwhile still reads it.
    private readonly CancellationTokenSource _deactivating = new();
    private StagingKeys? _keys;
    private StagingDrain? _drain;
    private Task<DrainResult>? _running;
    private TaskCompletionSource<DrainResult>? _followUp;
    private CronSchedule? _cron;
    private IGrainTimer? _cronTimer;

    private string StagingKey => this.GetPrimaryKeyString();

    private DrainStatistics Statistics => new(redis.GetDatabase(), _keys!);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _keys = new StagingKeys(StagingKey);
        _drain = new StagingDrain(
            new PrivateLists(writes.Database, _keys, writes), options.Value, GrainFactory, telemetry, time, logger);
        var period = options.Value.SizeCheckPeriod;
        this.RegisterGrainTimer(CheckAsync, new GrainTimerCreationOptions(period, period) { Interleave = true, KeepAlive = true });
        _cron = CronSchedule.From(options.Value);
        if (_cron is not null)
        {
            ArmCronTimer();
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Stop between chunks: what is committed stays committed, the rest waits for the next drain. A chunk still
        // unfinished after StopWait is left to finish or fail on its own: the next drain replays it, and the progress
        // marks skip whatever this one commits late.
        await _deactivating.CancelAsync();
        if (_running is { } running)
        {
            await ((Task)running).WaitAsync(StopWait, cancellationToken)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
            if (!running.IsCompleted)
            {
                LogLeftRunning(logger, StagingKey, StopWait);
            }
        }
    }

    public Task<DrainResult> Drain() => Schedule(DrainTick.Now(time), DrainTrigger.Request);

    public Task Poke()
    {
        Schedule(DrainTick.Now(time), DrainTrigger.FlushSize).Ignore();
        return Task.CompletedTask;
    }

    /// <remarks>
    /// With a cron schedule the reminder is the durable heartbeat: a timer fires each occurrence on time, and a tick makes
    /// up an occurrence missed while the activation was gone (a silo died), once.
    /// </remarks>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (_cron is null)
        {
            Schedule(DrainTick.FromReminder(status), DrainTrigger.Reminder).Ignore();
            return;
        }

        await FireDueOccurrenceAsync();
    }

    public Task<string> GetActivationId() => Task.FromResult(GrainContext.ActivationId.ToString());

    public async Task<AggregatorStats> GetStats()
    {
        try
        {
            return await Statistics.ReadAsync(time.GetUtcNow(), _running is not null, options.Value.StallAfter);
        }
        catch (Exception e) when (e is RedisException || StagingFailures.IsUnavailable(e))
        {
            throw new StagingUnavailableException(StagingFailures.Describe(e)); // without the Redis exception: it crosses silos
        }
    }

    public async Task EnsureScheduled()
    {
        // Re-registering moves the next tick, so a silo restart re-registers only when the schedule changed.
        var cron = CronSchedule.From(options.Value);
        var schedule = cron?.Text ?? $"every {options.Value.DrainPeriod}";
        if (await Statistics.GetScheduleAsync() == schedule && await this.GetReminder(ReminderName) is not null)
        {
            return;
        }

        // A cron schedule's heartbeat ticks every minute, Orleans' shortest reminder period.
        var heartbeat = cron is null ? options.Value.DrainPeriod : ClickPipelineSiloBuilderExtensions.ProductionMinimumPeriod;
        await this.RegisterOrUpdateReminder(ReminderName, dueTime: heartbeat, period: heartbeat);
        await Statistics.SetScheduleAsync(schedule, cron?.Interval(time.GetUtcNow()) ?? options.Value.DrainPeriod);
        LogScheduled(logger, StagingKey, schedule);
    }

    /// <summary>Starts the drain of the latest occurrence not fired yet, if this call claims it first.</summary>
    private async Task FireDueOccurrenceAsync()
    {
        if (_cron!.Due(time.GetUtcNow(), await Statistics.LastOccurrenceAsync()) is { } due && await Statistics.ClaimOccurrenceAsync(due, options.Value.MaxClockSkew))
        {
            Schedule(due.ToUnixTimeMilliseconds(), DrainTrigger.Schedule).Ignore();
        }
    }

    private void ArmCronTimer()
    {
        var now = time.GetUtcNow();
        if (_cron!.Next(now) is not { } next)
        {
            return;
        }

        _cronTimer?.Dispose();
        _cronTimer = this.RegisterGrainTimer(
            async _ =>
            {
                await FireDueOccurrenceAsync();
                ArmCronTimer();
            },
            new GrainTimerCreationOptions(next - now, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = true });
    }

    /// <summary>Every <c>Clicks:SizeCheckPeriod</c>: drain when the list passed the flush size; move when off its silo.</summary>
    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        // Noting since when elements wait, too: a stall without a private list is measured from that.
        var backlog = (await Statistics.WaitingAsync()).Backlog;
        telemetry.RecordBacklog(StagingKey, backlog);
        if (_running is not null)
        {
            return;
        }

        if (options.Value.FlushSize > 0 && backlog >= options.Value.FlushSize)
        {
            Schedule(DrainTick.Now(time), DrainTrigger.FlushSize).Ignore();
        }
        else if (ShardPlacement.SiloOf(StagingKey, ActiveSilos()) is var home && !home.Equals(silo.SiloAddress))
        {
            LogMoving(logger, StagingKey, home);
            this.MigrateOnIdle();
        }
    }

    private IEnumerable<SiloAddress> ActiveSilos() =>
        membership.CurrentSnapshot.Members.Values.Where(member => member.Status == SiloStatus.Active).Select(member => member.SiloAddress);

    /// <returns>The drain that starts now, or the follow-up of the running one.</returns>
    private Task<DrainResult> Schedule(long tickId, DrainTrigger trigger)
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
            LogTriggeredWhileRunning(logger, StagingKey, trigger);
        }

        return _followUp.Task;
    }

    private async Task<DrainResult> RunAsync(long tickId, DrainTrigger trigger)
    {
        // Yield first so that _running is set before the drain can finish and clear it.
        await Task.Yield();
        LogDrainStarted(logger, StagingKey, trigger, tickId);
        var started = time.GetTimestamp();
        try
        {
            var result = await _drain!.RunAsync(tickId, _deactivating.Token);
            await Statistics.RecordCompletedAsync(result);
            telemetry.RecordDrain(StagingKey, trigger, "completed", result.Duration);
            LogDrained(logger, StagingKey, trigger, result.Lists.Length, result.Elements, result.Written,
                result.Skipped, result.Dead, result.Lost, result.Chunks, result.Duration.TotalMilliseconds);
            return result;
        }
        catch (StagingConflictException e)
        {
            // Another activation drains this list: not a failure of the pipeline, which goes on there.
            telemetry.RecordDrain(StagingKey, trigger, "conflict", time.GetElapsedTime(started));
            LogConflict(logger, StagingKey, e.Message);
            throw new DrainFailedException(e.Message);
        }
        catch (OperationCanceledException) when (_deactivating.IsCancellationRequested)
        {
            LogStoppedByDeactivation(logger, StagingKey);
            throw new DrainFailedException(Deactivating);
        }
        catch (Exception e)
        {
            telemetry.RecordDrain(StagingKey, trigger, "failed", time.GetElapsedTime(started));
            LogDrainFailed(logger, StagingKey, e);
            var failure = new DrainFailure(time.GetUtcNow(), $"{e.GetType().Name}: {e.Message}");
            await RecordFailureAsync(failure);
            throw new DrainFailedException(
                $"The drain of {StagingKey} failed: {failure.Reason}. What it committed stays committed; the next drain resumes the rest.");
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
            await Statistics.RecordFailedAsync(failure);
        }
        catch (RedisException e)
        {
            LogFailureNotRecorded(logger, StagingKey, e.Message);
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
