using System.ComponentModel.DataAnnotations;

namespace ClickOrleans.Api.Ingest;

/// <summary>Limits of the ingest endpoints.</summary>
public sealed class IngestOptions
{
    public const string Section = "Clicks";

    /// <summary>The most clicks one <c>POST /clicks/batch</c> may carry.</summary>
    [Range(1, 1_000_000)]
    public int MaxBatch { get; set; } = 10_000;
}
