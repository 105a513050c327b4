using System.ComponentModel.DataAnnotations;

namespace ClickOrleans.Staging;

/// <summary>Which Redis list clicks are staged on.</summary>
public sealed class StagingOptions
{
    public const string Section = "Clicks";

    /// <summary>The staging list's key; the default is the original pattern's, so existing producers work unchanged.</summary>
    [Required]
    public string StagingKey { get; set; } = StagingDefaults.StagingKey;

    /// <summary>
    /// Drain as soon as the staging list reaches this many elements, not only every <c>Clicks:DrainPeriod</c>;
    /// 0 turns it off. The Api pokes the aggregator when a push crosses it; the aggregator also checks LLEN
    /// every <c>Clicks:SizeCheckPeriod</c> for producers that push straight to Redis.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long FlushSize { get; set; } = 50_000;
}
