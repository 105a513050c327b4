using Microsoft.Extensions.Options;

namespace ClickOrleans.Api.Embedded;

/// <summary>The in-process Redis-compatible server of the zero-setup mode (no <c>ConnectionStrings:Redis</c>).</summary>
public sealed class EmbeddedRedisOptions
{
    public const string Section = "Clicks:Embedded";

    /// <summary>Loopback port other producers LPUSH to, exactly as to Redis.</summary>
    [Range(1, 65535)]
    public int RedisPort { get; set; } = 6379;

    /// <summary>Where the append-only log and checkpoints go, so staged clicks survive a crash.</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";
}

[OptionsValidator]
public sealed partial class EmbeddedRedisOptionsValidator : IValidateOptions<EmbeddedRedisOptions>;
