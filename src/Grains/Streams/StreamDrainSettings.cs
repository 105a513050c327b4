namespace ClickOrleans.Streams;

/// <summary>
/// How a stream is drained: the settings a declaration may give per stream (<c>Streams:&lt;name&gt;:FlushSize</c>, …),
/// each defaulting to the <c>Clicks</c> section's, which the built-in clicks stream uses.
/// </summary>
/// <param name="FlushSize">Drain as soon as a shard's list holds this many elements; 0: only by time.</param>
/// <param name="DrainPeriod">The reminder period, when there is no <paramref name="DrainSchedule"/>.</param>
/// <param name="DrainSchedule">A cron expression (in <c>Clicks:DrainScheduleTimeZone</c>) drained at instead of every period; null: by period.</param>
/// <param name="ChunkSize">Elements read and written at a time.</param>
/// <param name="Partitions">Sink partitions a chunk is split into, fixed per private list at its take-over.</param>
public sealed record StreamDrainSettings(long FlushSize, TimeSpan DrainPeriod, string? DrainSchedule, int ChunkSize, int Partitions)
{
    /// <summary>The shared settings of the <c>Clicks</c> section.</summary>
    public static StreamDrainSettings Of(ClickOptions options) =>
        new(options.FlushSize, options.DrainPeriod, options.DrainSchedule, options.ChunkSize, options.Partitions);
}
