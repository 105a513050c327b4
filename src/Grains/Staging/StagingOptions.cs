using System.ComponentModel.DataAnnotations;

namespace ClickOrleans.Staging;

/// <summary>Which Redis list clicks are staged on, and the rules every host applies to staged clicks.</summary>
public sealed class StagingOptions : IValidatableObject
{
    public const string Section = "Clicks";

    /// <summary>The staging list's key; the default is the original pattern's, so existing producers work unchanged.</summary>
    [Required]
    public string StagingKey { get; set; } = StagingDefaults.StagingKey;

    /// <summary>
    /// Staging lists of the stream: the staging key itself and <c>&lt;key&gt;:1</c> … <c>&lt;key&gt;:&lt;Shards-1&gt;</c>, each in its
    /// own Redis Cluster hash slot, each drained by an aggregator of its own, spread over the silos.
    /// </summary>
    [Range(1, 1024)]
    public int Shards { get; set; } = 1;

    /// <summary>
    /// Drain as soon as a staging list reaches this many elements, not only every <c>Clicks:DrainPeriod</c>;
    /// 0 turns it off. The Api pokes the aggregator when a push crosses it; the aggregator also checks LLEN
    /// every <c>Clicks:SizeCheckPeriod</c> for producers that push straight to Redis.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long FlushSize { get; set; } = 50_000;

    /// <summary>
    /// How far in the future a click's <c>ts</c> may be: at the Api, after the time of receipt; at the drain, after the
    /// take-over of the click's private list. Clocks drift, but not by hours.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A drain counts as stalled (<c>/health</c> Degraded) when a private list has not advanced for this long, or when
    /// the drains of this long failed in a row. Null: three drain periods.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan? StallAfter { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!StagingKeys.IsValidStagingKey(StagingKey))
        {
            yield return new ValidationResult($"Clicks:StagingKey must be {StagingKeys.StagingKeyRule}.", [nameof(StagingKey)]);
        }
    }
}
