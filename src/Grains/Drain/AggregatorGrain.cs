using ClickOrleans.Sinks;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using Microsoft.Extensions.Logging;
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
/// The grain schedules (reminder, cron timer, size check), moves to its shard's silo and answers stats; the drains
/// themselves run in its <see cref="DrainRunner"/>, one at a time. A trigger during a drain queues exactly one
/// follow-up drain; <see cref="Drain"/> during a drain waits for that follow-up, because the running drain may have
/// taken the staging list over before the call, and the caller is promised everything it staged before the call.
/// </remarks>
[Reentrant]
[ShardPlacement]
public sealed partial class AggregatorGrain(
    IConnectionMultiplexer redis,
    AcknowledgedWrites writes,
    StreamCatalog streams,
    SchemaVersions versions,
    DrainTelemetry telemetry,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    TimeProvider time,
    ILogger<AggregatorGrain> logger) : Grain, IAggregatorGrain, IRemindable
{
    /// <summary>Orleans' own minimum reminder period, kept for every period of a minute or more; a cron schedule's heartbeat.</summary>
    internal static readonly TimeSpan ProductionMinimumPeriod = TimeSpan.FromMinutes(1);
    private const string ReminderName = "drain";
    // How long a deactivation waits for the running chunk: well within the silo's 25 s shutdown, so a chunk whose
    // write hangs (a sink grain call lost as the silo stops waits out Orleans' 30 s response timeout) cannot hold the
    // silo past its grace period and get it killed.
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(10);
    private DrainStats? _stats;
    private DrainScheduleState? _scheduleState;
    private DrainRunner? _drains;
    private CronSchedule? _cron;
    private IGrainTimer? _cronTimer;
    private ClickOptions? _options;

    private string StagingKey => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var keys = new StagingKeys(StagingKey);
        var stream = streams.OfStagingKey(StagingKey);
        _options = streams.OptionsOf(stream);
        _stats = new DrainStats(redis.GetDatabase(), keys);
        _scheduleState = new DrainScheduleState(redis.GetDatabase(), keys);
        var drain = new StagingDrain(
            new PrivateLists(writes.Database, keys, writes), streams.RulesOf(stream), versions, _options, GrainFactory, telemetry, time, logger);
        _drains = new DrainRunner(StagingKey, drain, _stats, telemetry, time, logger);
        var period = _options!.SizeCheckPeriod;
        this.RegisterGrainTimer(CheckAsync, new GrainTimerCreationOptions(period, period) { Interleave = true, KeepAlive = true });
        _cron = CronSchedule.From(_options!);
        if (_cron is not null)
        {
            ArmCronTimer();
        }

        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _drains!.StopAsync(StopWait, cancellationToken);

    public Task<DrainResult> Drain() => _drains!.Schedule(DrainTick.Now(time), DrainTrigger.Request);

    public Task Poke()
    {
        _drains!.Schedule(DrainTick.Now(time), DrainTrigger.FlushSize).Ignore();
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
            _drains!.Schedule(DrainTick.FromReminder(status), DrainTrigger.Reminder).Ignore();
            return;
        }

        await FireDueOccurrenceAsync();
    }

    public Task<string> GetActivationId() => Task.FromResult(GrainContext.ActivationId.ToString());

    public async Task<AggregatorStats> GetStats()
    {
        try
        {
            return await _stats!.ReadAsync(time.GetUtcNow(), _drains!.IsRunning, _options!.StallAfter);
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            throw new StagingUnavailableException(StagingFailures.Describe(e)); // without the Redis exception: it crosses silos
        }
    }

    public async Task EnsureScheduled()
    {
        // Re-registering moves the next tick, so a silo restart re-registers only when the schedule changed.
        var cron = CronSchedule.From(_options!);
        var schedule = cron?.Text ?? $"every {_options!.DrainPeriod}";
        if (await _scheduleState!.GetScheduleAsync() == schedule && await this.GetReminder(ReminderName) is not null)
        {
            return;
        }

        // A cron schedule's heartbeat ticks every minute, Orleans' shortest reminder period.
        var heartbeat = cron is null ? _options!.DrainPeriod : ProductionMinimumPeriod;
        await this.RegisterOrUpdateReminder(ReminderName, dueTime: heartbeat, period: heartbeat);
        await _scheduleState!.SetScheduleAsync(schedule, cron?.Interval(time.GetUtcNow()) ?? _options!.DrainPeriod);
        LogScheduled(logger, StagingKey, schedule);
    }

    /// <summary>Starts the drain of the latest occurrence not fired yet, if this call claims it first.</summary>
    private async Task FireDueOccurrenceAsync()
    {
        if (_cron!.Due(time.GetUtcNow(), await _scheduleState!.LastOccurrenceAsync()) is { } due && await _scheduleState!.ClaimOccurrenceAsync(due, _options!.MaxClockSkew))
        {
            _drains!.Schedule(due.ToUnixTimeMilliseconds(), DrainTrigger.Schedule).Ignore();
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
        var backlog = (await _stats!.WaitingAsync()).Backlog;
        telemetry.RecordBacklog(StagingKey, backlog);
        if (_drains!.IsRunning)
        {
            return;
        }

        if (_options!.FlushSize > 0 && backlog >= _options!.FlushSize)
        {
            _drains!.Schedule(DrainTick.Now(time), DrainTrigger.FlushSize).Ignore();
        }
        else if (ShardPlacement.SiloOf(StagingKey, ActiveSilos()) is var home && !home.Equals(silo.SiloAddress))
        {
            LogMoving(logger, StagingKey, home);
            this.MigrateOnIdle();
        }
    }

    private IEnumerable<SiloAddress> ActiveSilos() =>
        membership.CurrentSnapshot.Members.Values.Where(member => member.Status == SiloStatus.Active).Select(member => member.SiloAddress);
}
