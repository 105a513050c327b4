using ClickOrleans.Staging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Runtime;
using StackExchange.Redis;

namespace ClickOrleans.Drain;

/// <summary>
/// The singleton drainer of one staging list (the grain key is the list's Redis key). A reminder starts a drain
/// and returns at once: a tick that throws is not retried by Orleans, and a long drain must not hold up the next
/// ticks. One drain runs at a time; a trigger that arrives meanwhile joins it, and a tick that arrives meanwhile
/// starts one more drain as soon as it ends, so no backlog waits a whole period extra.
/// </summary>
[Reentrant]
public sealed partial class AggregatorGrain(
    IConnectionMultiplexer redis,
    IOptions<DrainOptions> options,
    TimeProvider time,
    ILogger<AggregatorGrain> logger) : Grain, IAggregatorGrain, IRemindable
{
    private const string ReminderName = "drain";
    private readonly CancellationTokenSource _deactivating = new();
    private StagingList? _staging;
    private StagingDrain? _drain;
    private Task<DrainResult>? _running;
    private bool _tickedWhileRunning;

    private string StagingKey => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _staging = new StagingList(redis.GetDatabase(), new StagingKeys(StagingKey));
        _drain = new StagingDrain(_staging, options.Value, GrainFactory, time, logger);
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

    public Task<DrainResult> Drain() => _running ?? Start(DrainTick.Now(time));

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (_running is null)
        {
            Start(DrainTick.FromReminder(status)).Ignore();
        }
        else
        {
            _tickedWhileRunning = true;
            LogTickWhileRunning(logger, StagingKey);
        }

        return Task.CompletedTask;
    }

    public async Task EnsureScheduled()
    {
        // Re-registering moves the next tick, so a silo restart re-registers only when the period changed.
        var period = options.Value.DrainPeriod;
        if (await _staging!.GetSchedulePeriodAsync() == period && await this.GetReminder(ReminderName) is not null)
        {
            return;
        }

        await this.RegisterOrUpdateReminder(ReminderName, dueTime: period, period: period);
        await _staging.SetSchedulePeriodAsync(period);
        LogScheduled(logger, StagingKey, period);
    }

    private Task<DrainResult> Start(long tickId) => _running = RunAsync(tickId);

    private async Task<DrainResult> RunAsync(long tickId)
    {
        // Yield first so that _running is set before the drain can finish and clear it.
        await Task.Yield();
        try
        {
            var result = await _drain!.RunAsync(tickId, _deactivating.Token);
            LogDrained(logger, StagingKey, result.Lists.Length, result.Elements, result.Written,
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
            LogDrainFailed(logger, StagingKey, e);
            throw;
        }
        finally
        {
            _running = null;
            if (_tickedWhileRunning && !_deactivating.IsCancellationRequested)
            {
                _tickedWhileRunning = false;
                Start(DrainTick.Now(time)).Ignore();
            }
        }
    }
}
