using ClickOrleans.Staging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Runtime;
using StackExchange.Redis;

namespace ClickOrleans.Drain;

/// <summary>
/// The singleton drainer of one staging list (the grain key is the list's Redis key). Three things start a drain:
/// the reminder (the time bound), a poke from a producer whose push crossed the flush size, and a timer that
/// finds the list past the flush size (producers that push straight to Redis). Each starts the drain and returns
/// at once: a reminder tick that throws is not retried, and a long drain must not hold up the next triggers.
/// One drain runs at a time; <see cref="Drain"/> during a drain joins it; any other trigger during a drain
/// starts one more as soon as it ends, so no backlog waits a whole period extra.
/// </summary>
[Reentrant]
public sealed partial class AggregatorGrain(
    IConnectionMultiplexer redis,
    IOptions<DrainOptions> drainOptions,
    IOptions<StagingOptions> stagingOptions,
    DrainTelemetry telemetry,
    TimeProvider time,
    ILogger<AggregatorGrain> logger) : Grain, IAggregatorGrain, IRemindable
{
    private const string ReminderName = "drain";
    private readonly CancellationTokenSource _deactivating = new();
    private StagingList? _staging;
    private StagingDrain? _drain;
    private Task<DrainResult>? _running;
    private bool _triggeredWhileRunning;

    private string StagingKey => this.GetPrimaryKeyString();

    private StagingList Staging => _staging!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _staging = new StagingList(redis.GetDatabase(), new StagingKeys(StagingKey));
        _drain = new StagingDrain(_staging, drainOptions.Value, GrainFactory, telemetry, time, logger);
        if (stagingOptions.Value.FlushSize > 0)
        {
            var period = drainOptions.Value.SizeCheckPeriod;
            this.RegisterGrainTimer(CheckSizeAsync, new GrainTimerCreationOptions(period, period) { Interleave = true, KeepAlive = true });
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Stop between chunks: what is committed stays committed, the rest stays pending for the next drain.
        await _deactivating.CancelAsync();
        if (_running is { } running)
        {
            await ((Task)running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }

        _deactivating.Dispose();
    }

    public Task<DrainResult> Drain() => _running ?? Start(DrainTick.Now(time), DrainTrigger.Request);

    public Task Poke()
    {
        Trigger(DrainTick.Now(time), DrainTrigger.FlushSize);
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Trigger(DrainTick.FromReminder(status), DrainTrigger.Reminder);
        return Task.CompletedTask;
    }

    public async Task<AggregatorStats> GetStats() => await Staging.ReadStatsAsync(time.GetUtcNow(), _running is not null);

    public async Task EnsureScheduled()
    {
        // Re-registering moves the next tick, so a silo restart re-registers only when the period changed.
        var period = drainOptions.Value.DrainPeriod;
        if (await Staging.GetSchedulePeriodAsync() == period && await this.GetReminder(ReminderName) is not null)
        {
            return;
        }

        await this.RegisterOrUpdateReminder(ReminderName, dueTime: period, period: period);
        await Staging.SetSchedulePeriodAsync(period);
        LogScheduled(logger, StagingKey, period);
    }

    private async Task CheckSizeAsync(CancellationToken cancellationToken)
    {
        var backlog = await Staging.LengthAsync();
        telemetry.RecordBacklog(StagingKey, backlog);
        if (_running is null && backlog >= stagingOptions.Value.FlushSize)
        {
            Trigger(DrainTick.Now(time), DrainTrigger.FlushSize);
        }
    }

    private void Trigger(long tickId, DrainTrigger trigger)
    {
        if (_running is null)
        {
            Start(tickId, trigger).Ignore();
        }
        else
        {
            _triggeredWhileRunning = true;
            LogTriggeredWhileRunning(logger, StagingKey, trigger);
        }
    }

    private Task<DrainResult> Start(long tickId, DrainTrigger trigger) => _running = RunAsync(tickId, trigger);

    private async Task<DrainResult> RunAsync(long tickId, DrainTrigger trigger)
    {
        // Yield first so that _running is set before the drain can finish and clear it.
        await Task.Yield();
        LogDrainStarted(logger, StagingKey, trigger, tickId);
        try
        {
            var result = await _drain!.RunAsync(tickId, _deactivating.Token);
            await Staging.RecordDrainAsync(result);
            telemetry.RecordDrain(StagingKey, trigger, result);
            LogDrained(logger, StagingKey, trigger, result.Lists.Length, result.Elements, result.Written,
                result.Duplicates, result.Dead, result.Chunks, result.Duration.TotalMilliseconds);
            return result;
        }
        catch (StagingConflictException e)
        {
            LogConflict(logger, StagingKey, e.Message);
            throw;
        }
        catch (OperationCanceledException) when (_deactivating.IsCancellationRequested)
        {
            LogStoppedByDeactivation(logger, StagingKey);
            throw;
        }
        catch (Exception e)
        {
            telemetry.RecordFailedDrain(StagingKey, trigger);
            LogDrainFailed(logger, StagingKey, e);
            throw;
        }
        finally
        {
            _running = null;
            if (_triggeredWhileRunning && !_deactivating.IsCancellationRequested)
            {
                _triggeredWhileRunning = false;
                Start(DrainTick.Now(time), DrainTrigger.FollowUp).Ignore();
            }
        }
    }
}
