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
}

[OptionsValidator]
public sealed partial class ParquetSinkOptionsValidator : IValidateOptions<ParquetSinkOptions>;
