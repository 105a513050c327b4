using Cronos;

namespace ClickOrleans.Drain;

/// <summary>
/// The times of <c>Clicks:DrainSchedule</c>: a cron expression in a time zone. Decides which occurrence a drain is due
/// for: the latest one not fired yet, so that occurrences missed while no silo ran are made up by one drain, and none
/// fires twice.
/// </summary>
public sealed class CronSchedule
{
    private static readonly TimeSpan Lookback = TimeSpan.FromDays(1);

    private readonly CronExpression _expression;
    private readonly TimeZoneInfo _zone;

    private CronSchedule(string text, CronExpression expression, TimeZoneInfo zone)
    {
        Text = text;
        _expression = expression;
        _zone = zone;
    }

    /// <summary>The expression and its zone, as configured: what a change of schedule is recognized by.</summary>
    public string Text { get; }

    public static bool TryParse(string expression, string timeZone, out CronSchedule? schedule, out string? error)
    {
        schedule = null;
        try
        {
            var format = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
            schedule = new CronSchedule($"{expression} ({timeZone})", CronExpression.Parse(expression, format), TimeZoneInfo.FindSystemTimeZoneById(timeZone));
            error = null;
            return true;
        }
        catch (Exception e) when (e is CronFormatException or TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            error = e.Message;
            return false;
        }
    }

    public static CronSchedule? From(ClickOptions options) =>
        options.DrainSchedule is { } expression && TryParse(expression, options.DrainScheduleTimeZone, out var schedule, out _) ? schedule : null;

    /// <summary>The first occurrence after <paramref name="after"/>.</summary>
    public DateTimeOffset? Next(DateTimeOffset after) => _expression.GetNextOccurrence(after, _zone);

    /// <summary>
    /// The occurrence a drain is due for at <paramref name="now"/>: the latest at or before it, later than
    /// <paramref name="lastFired"/> (and at most a day back); null when none.
    /// </summary>
    public DateTimeOffset? Due(DateTimeOffset now, DateTimeOffset? lastFired)
    {
        var from = lastFired is { } fired && fired > now - Lookback ? fired : now - Lookback;
        DateTimeOffset? due = null;
        for (var next = _expression.GetNextOccurrence(from, _zone); next is { } at && at <= now; next = _expression.GetNextOccurrence(at, _zone))
        {
            due = at;
        }

        return due;
    }

    /// <summary>The usual time between two occurrences: what "three drain periods" means for a stall.</summary>
    public TimeSpan Interval(DateTimeOffset now) =>
        Next(now) is { } first && Next(first) is { } second ? second - first : TimeSpan.FromMinutes(1);
}
