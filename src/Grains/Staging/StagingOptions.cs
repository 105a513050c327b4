using System.ComponentModel.DataAnnotations;

namespace ClickOrleans.Staging;

/// <summary>Which Redis list clicks are staged on.</summary>
public sealed class StagingOptions
{
    public const string Section = "Clicks";

    /// <summary>The staging list's key; the default is the original pattern's, so existing producers work unchanged.</summary>
    [Required]
    public string StagingKey { get; set; } = StagingDefaults.StagingKey;
}
