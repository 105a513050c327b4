using System.ComponentModel.DataAnnotations;
using ClickOrleans.Drain;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using Microsoft.Extensions.Options;

namespace ClickOrleans;

/// <summary>
/// The <c>Clicks</c> section: where clicks are staged, which clicks the Api accepts, and how staging lists are drained.
/// Every host binds it whole and validates it at start with <see cref="ClickOptionsValidator"/>.
/// </summary>
public sealed class ClickOptions : IValidatableObject
{
    public const string Section = "Clicks";

    // Staging: the keys, and the rules every host applies to staged clicks.

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
    /// Drain as soon as a staging list reaches this many elements, not only every <see cref="DrainPeriod"/>;
    /// 0 turns it off. The Api pokes the aggregator when a push crosses it; the aggregator also checks LLEN
    /// every <see cref="SizeCheckPeriod"/> for producers that push straight to Redis.
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

    // Ingest: the limits of the Api's endpoints.

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
    /// answered 202 with that id and staged nothing. Redis keeps one key per client-given id for this long (about 160
    /// bytes each), at most <see cref="MaxClientIds"/> per shard.
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

    /// <summary>
    /// The most client-id markers a shard may hold within <see cref="IdempotencyWindow"/>, counted in sixteenths of the
    /// window: past it the Api answers 503 to a push with new ids and stages nothing, until the oldest sixteenth expires.
    /// Retries of ids already held still pass. 0: no limit.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long MaxClientIds { get; set; } = 10_000_000;

    /// <summary>What must hold a push before the Api answers 202: Redis replicas, Garnet's log (<c>Clicks:Staging:*</c>).</summary>
    [ValidateObjectMembers]
    public StagingAcknowledgement Staging { get; set; } = new();

    // Drain: how often and in what pieces staging lists are drained, and how hard a drain tries before it gives up.

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

    /// <summary>How often the aggregator compares the staging list's length with <see cref="FlushSize"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan SizeCheckPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Sink partitions a chunk is split into (by product id) and written in parallel. Fixed per private list when it is
    /// taken over: a change applies to lists taken over afterwards. About the cores PostgreSQL gives one drain: on two
    /// cores, 4 writers of the same table and index did less in all than 2 (bench/results.md, "Partitions").
    /// </summary>
    [Range(1, 1024)]
    public int Partitions { get; set; } = 2;

    /// <summary>
    /// The largest element a drain reads whole. A larger one (no click is that large: a producer's mistake) becomes a
    /// dead letter by reference — its length, SHA-1 and first 64 bytes — so it is never loaded into the silo.
    /// </summary>
    [Range(1024, 256 * 1024 * 1024)]
    public int MaxElementBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// The elements the first LRANGE of a chunk read fetches; each next window doubles (up to 1024, or this if larger)
    /// while the elements stay within <see cref="MaxElementBytes"/>, and falls back to 1 after a larger one. With 1, a
    /// read holds at most its byte budget plus one window, however large a producer's elements. The embedded mode sets
    /// the chunk size: Garnet walks a list from its head for every LRANGE (windows cost it a third of its drain speed),
    /// and its producers are local.
    /// </summary>
    [Range(1, 1_000_000)]
    public int ReadWindow { get; set; } = 1;

    /// <summary>
    /// The most dead letters a staging list keeps; past it the oldest go, counted in <c>/stats</c>' <c>deadDropped</c>,
    /// so a producer that pushes only garbage cannot fill Redis.
    /// </summary>
    [Range(1, 1_000_000_000)]
    public long MaxDeadLetters { get; set; } = 1_000_000;

    /// <summary>Retries of a partition write that failed with a transient error (connection lost, deadlock, server restarting).</summary>
    [Range(0, 100)]
    public int SinkRetries { get; set; } = 6;

    /// <summary>The wait before the first retry; each next wait doubles (with jitter), up to <see cref="SinkRetryMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan SinkRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait between two attempts of a sink write.</summary>
    public static readonly TimeSpan SinkRetryMaxDelay = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long one attempt of a sink write may take before it is cancelled and retried: a store that stopped answering
    /// (a black-holed network, a connect that hangs) costs one attempt, not the drain.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan SinkAttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest a sink write can take with every retry: attempts, and the longest waits between them.</summary>
    public TimeSpan SinkRetryBudget => (SinkRetries + 1) * SinkAttemptTimeout + SinkRetries * SinkRetryMaxDelay;

    /// <summary>These settings with a stream's own drain settings in place of the shared ones.</summary>
    public ClickOptions With(StreamDrainSettings drain)
    {
        var options = (ClickOptions)MemberwiseClone();
        options.FlushSize = drain.FlushSize;
        options.DrainPeriod = drain.DrainPeriod;
        options.DrainSchedule = drain.DrainSchedule;
        options.ChunkSize = drain.ChunkSize;
        options.Partitions = drain.Partitions;
        return options;
    }

    /// <summary>The rules that involve more than one setting; each field's own range is checked by its attribute.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!StagingKeys.IsValidStagingKey(StagingKey))
        {
            yield return new ValidationResult($"Clicks:StagingKey must be {StagingKeys.StagingKeyRule}.");
        }

        if (DrainSchedule is not null && !CronSchedule.TryParse(DrainSchedule, DrainScheduleTimeZone, out _, out var error))
        {
            yield return new ValidationResult($"Clicks:DrainSchedule / Clicks:DrainScheduleTimeZone: {error}");
        }

        if (SinkRetryBudget >= TimeSpan.Parse(ISinkGrain.CallTimeout, System.Globalization.CultureInfo.InvariantCulture))
        {
            yield return new ValidationResult(
                $"Clicks:SinkRetries ({SinkRetries}) attempts after the first, of Clicks:SinkAttemptTimeout ({SinkAttemptTimeout}) each with up to {SinkRetryMaxDelay} between them, take up to {SinkRetryBudget}: that must stay under the drain's {ISinkGrain.CallTimeout} wait for a sink call, or a store outage fails the drain while its retries go on.");
        }

        if (MaxBacklog > 0 && MaxBacklog < MaxBatch)
        {
            yield return new ValidationResult(
                $"Clicks:MaxBacklog ({MaxBacklog}) must be at least Clicks:MaxBatch ({MaxBatch}), or 0: a full batch could never be staged, every retry would be answered 503.");
        }

        if (MaxClientIds > 0 && MaxClientIds < MaxBatch)
        {
            yield return new ValidationResult(
                $"Clicks:MaxClientIds ({MaxClientIds}) must be at least Clicks:MaxBatch ({MaxBatch}), or 0: a full batch of new ids could never be staged.");
        }

        if (MaxBacklog > 0 && FlushSize > 0 && MaxBacklog <= FlushSize)
        {
            yield return new ValidationResult(
                $"Clicks:MaxBacklog ({MaxBacklog}) must be above Clicks:FlushSize ({FlushSize}), or one of them 0: the Api would refuse clicks before a list is long enough to be drained by size.");
        }
    }
}

/// <summary>
/// What a push waits for before its 202, and the drain before it relies on its own writes. <c>Replicas</c> (Redis
/// <c>WAIT</c>): with 0 (the default) a click acknowledged by a Redis master that dies before replicating it is lost;
/// with N, the Api answers 503 when fewer than N replicas have it within the timeout (the click may then be staged or
/// not: retry with the same client id, which makes that safe). <c>CommitAof</c> (Garnet's <c>COMMITAOF</c>, which Redis
/// lacks): Garnet answers a write before its append-only log holds it, so without it a Garnet killed right after a 202
/// loses that click; embedded mode turns it on.
/// </summary>
public sealed class StagingAcknowledgement
{
    public bool CommitAof { get; set; }

    [Range(0, 16)]
    public int Replicas { get; set; }

    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan ReplicaTimeout { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>The <c>Clicks</c> section's validation at start, generated from the attributes and <see cref="ClickOptions.Validate"/>.</summary>
[OptionsValidator]
public sealed partial class ClickOptionsValidator : IValidateOptions<ClickOptions>;
