using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Backfill;

/// <summary>
/// A stream's backfill, run by <see cref="BackfillRun"/> on the grain's silo and resumed by a reminder while it runs:
/// after a crash on whichever silo the reminder wakes the grain, after a failed attempt on this one. The reminder ticks
/// at Orleans' shortest reminder period: a minute, or the shortest drain period when a stream drains more often.
/// </summary>
public sealed partial class BackfillGrain(BackfillRun backfill, IOptions<ReminderOptions> reminders, ILogger<BackfillGrain> logger)
    : Grain, IBackfillGrain, IRemindable, IDisposable
{
    private const string ReminderName = "backfill";

    private readonly CancellationTokenSource _deactivating = new();
    private Task? _running;

    private string Stream => this.GetPrimaryKeyString();

    /// <remarks>
    /// The reminder first: a backfill recorded as running always has one to resume it. When the start is refused, its
    /// first tick finds nothing to run (or the running backfill, which it goes on with) and unregisters it.
    /// </remarks>
    public async Task<BackfillStart> Start(BackfillRequest request)
    {
        var period = reminders.Value.MinimumReminderPeriod;
        await this.RegisterOrUpdateReminder(ReminderName, period, period);
        var start = await backfill.StartAsync(Stream, request, CancellationToken.None);
        if (start.Conflict is null)
        {
            Resume();
        }

        return start;
    }

    public Task<BackfillStatus?> GetStatus() => backfill.StatusAsync(Stream, CancellationToken.None);

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Resume();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await _deactivating.CancelAsync();
        if (_running is not null)
        {
            await _running;
        }
    }

    public void Dispose() => _deactivating.Dispose();

    /// <summary>Runs an attempt in the background unless one runs in this activation: the caller does not wait for hours.</summary>
    private void Resume()
    {
        if (_running is null || _running.IsCompleted)
        {
            _running = RunAsync();
        }
    }

    private async Task RunAsync()
    {
        try
        {
            var status = await backfill.RunAsync(Stream, _deactivating.Token);
            if (status is not { State: BackfillStatus.Running } && await this.GetReminder(ReminderName) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (OperationCanceledException) when (_deactivating.IsCancellationRequested)
        {
            // The next activation's reminder goes on from the last whole hour.
        }
        catch (Exception e)
        {
            LogRunFailed(logger, Stream, e);
        }
    }

    [LoggerMessage(EventId = 1406, Level = LogLevel.Warning, Message = "The backfill of {Stream} could not run; its reminder tries again within a minute")]
    private static partial void LogRunFailed(ILogger logger, string stream, Exception exception);
}
