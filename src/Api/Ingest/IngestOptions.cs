using System.ComponentModel.DataAnnotations;

namespace ClickOrleans.Api.Ingest;

/// <summary>Limits of the ingest endpoints.</summary>
public sealed class IngestOptions : IValidatableObject
{
    public const string Section = "Clicks";

    /// <summary>The most clicks one <c>POST /clicks/batch</c> may carry.</summary>
    [Range(1, 1_000_000)]
    public int MaxBatch { get; set; } = 10_000;

    /// <summary>The largest request body Kestrel reads (413 beyond); one click needs about 100 bytes.</summary>
    [Range(1024, 1L << 30)]
    public long MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How old a click's <c>ts</c> may be: late arrivals are fine, backfills of years are a mistake.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "36500.00:00:00")]
    public TimeSpan MaxClickAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a client-given click id is remembered: a click posted again with the same id within this window is
    /// answered 202 with that id and staged nothing. Redis keeps one small key per client-given id for this long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The most elements that may wait to be drained on a shard (its staging list and private lists): past it the Api
    /// answers 503 and stages nothing, before Redis runs out of memory (about 100 bytes an element). 0: no limit.
    /// Producers that push straight to Redis are not held back by it.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long MaxBacklog { get; set; } = 10_000_000;

    /// <summary>How many Redis replicas must have a push before the Api answers 202 (<c>Clicks:Staging:*</c>).</summary>
    public StagingReplication Staging { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(Staging, new ValidationContext(Staging), results, validateAllProperties: true);
        return results.Select(result => new ValidationResult("Clicks:Staging: " + result.ErrorMessage, result.MemberNames));
    }
}

/// <summary>
/// Replication a push waits for (Redis <c>WAIT</c>) before its 202: with 0 (the default) a click acknowledged by a
/// Redis master that dies before replicating it is lost; with N, the Api answers 503 when fewer than N replicas have it
/// within the timeout (the click may then be staged or not: retry with the same client id, which makes that safe).
/// </summary>
public sealed class StagingReplication
{
    [Range(0, 16)]
    public int Replicas { get; set; }

    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan ReplicaTimeout { get; set; } = TimeSpan.FromSeconds(1);
}
