using System.ComponentModel.DataAnnotations;

namespace ClickOrleans.Drain;

/// <summary>How often and in what pieces staging lists are drained, and how hard a drain tries before it gives up.</summary>
public sealed class DrainOptions : IValidatableObject
{
    public const string Section = "Clicks";

    /// <summary>The reminder period: the longest a staged click waits for its drain. Below one minute only for tests and demos.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan DrainPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Drains at the times of a cron expression instead of every <see cref="DrainPeriod"/>: 5 fields (minutes), or 6 with
    /// seconds first; e.g. <c>* * * * *</c> drains at the start of every minute. In <see cref="DrainScheduleTimeZone"/>.
    /// </summary>
    public string? DrainSchedule { get; set; }

    /// <summary>The time zone of <see cref="DrainSchedule"/> (IANA or Windows id).</summary>
    public string DrainScheduleTimeZone { get; set; } = "UTC";

    /// <summary>Elements read from Redis and written to the sink at a time: bounds a drain's memory, whatever the backlog.</summary>
    [Range(1, 1_000_000)]
    public int ChunkSize { get; set; } = 20_000;

    /// <summary>How often the aggregator compares the staging list's length with <c>Clicks:FlushSize</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan SizeCheckPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Sink partitions a chunk is split into (by product id) and written in parallel. Fixed per private list when it is
    /// taken over: a change applies to lists taken over afterwards.
    /// </summary>
    [Range(1, 1024)]
    public int Partitions { get; set; } = 4;

    /// <summary>Retries of a partition write that failed with a transient error (connection lost, deadlock, server restarting).</summary>
    [Range(0, 100)]
    public int SinkRetries { get; set; } = 6;

    /// <summary>The wait before the first retry; each next wait doubles (with jitter), up to 10 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan SinkRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DrainSchedule is null)
        {
            yield break;
        }

        if (CronSchedule.TryParse(DrainSchedule, DrainScheduleTimeZone, out _, out var error))
        {
            yield break;
        }

        yield return new ValidationResult($"Clicks:DrainSchedule / Clicks:DrainScheduleTimeZone: {error}", [nameof(DrainSchedule)]);
    }
}
