using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Sinks.Parquet;

/// <summary>The Parquet archive of the streams that list <c>parquet</c> among their sinks.</summary>
public sealed class ParquetSinkOptions
{
    public const string Section = "Parquet";

    /// <summary>
    /// The lake: <c>stream=&lt;name&gt;/date=YYYY-MM-DD/hour=HH/*.parquet</c> below it, and each stream's progress marks in
    /// <c>stream=&lt;name&gt;/_marks</c>. Every silo must see the same directory, with POSIX file locks (a local volume).
    /// </summary>
    [Required]
    public string Directory { get; set; } = "data/lake";

    /// <summary>
    /// How often each silo compacts the archive: every hour that ended at least this long ago and holds two files or
    /// more below <see cref="CompactedFileSize"/> gets them merged. <c>00:00:00</c> turns compaction off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan CompactionPeriod { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The size compaction merges an hour's small files up to: files of at least this many bytes, but for the hour's
    /// last, which holds what is left. Files this size or larger are left as they are.
    /// </summary>
    [Range(1L, long.MaxValue)]
    public long CompactedFileSize { get; set; } = 128L << 20;
}

[OptionsValidator]
public sealed partial class ParquetSinkOptionsValidator : IValidateOptions<ParquetSinkOptions>;
