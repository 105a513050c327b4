namespace ClickOrleans.Drain;

/// <summary>
/// Tick ids name private lists: the tick's scheduled time in Unix milliseconds, so private lists sort by when
/// they were taken over and an operator can read the time off the name.
/// </summary>
public static class DrainTick
{
    public static long FromReminder(TickStatus status) =>
        new DateTimeOffset(DateTime.SpecifyKind(status.CurrentTickTime, DateTimeKind.Utc)).ToUnixTimeMilliseconds();

    public static long Now(TimeProvider time) => time.GetUtcNow().ToUnixTimeMilliseconds();
}
