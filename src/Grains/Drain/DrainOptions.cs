using System.ComponentModel.DataAnnotations;

namespace ClickOrleans.Drain;

/// <summary>How often and in what pieces staging lists are drained.</summary>
public sealed class DrainOptions
{
    public const string Section = "Clicks";

    /// <summary>The reminder period: the longest a staged click waits for its drain. Below one minute only for tests and demos.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan DrainPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Elements read from Redis and written to the sink at a time: bounds a drain's memory, whatever the backlog.</summary>
    [Range(1, 1_000_000)]
    public int ChunkSize { get; set; } = 20_000;

    /// <summary>How often the aggregator compares the staging list's length with <c>Clicks:FlushSize</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan SizeCheckPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Sink partitions a chunk is split into (by product id) and written by in parallel.</summary>
    [Range(1, 1024)]
    public int Partitions { get; set; } = 4;
}
