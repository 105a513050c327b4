using System.ComponentModel.DataAnnotations;

namespace ClickOrleans.Api.Security;

/// <summary>Who may call the Api: API keys with scopes.</summary>
public sealed class ApiKeyOptions
{
    public const string Section = "Api";

    /// <summary>The keys. Empty: anonymous access, which needs <see cref="AllowAnonymous"/> in cluster mode.</summary>
    public List<ApiKey> Keys { get; set; } = [];

    /// <summary>Run a cluster-mode Api without keys: only behind something else that authenticates.</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Requests per second allowed per key (per client address when anonymous); 0 turns limiting off.</summary>
    [Range(0, 1_000_000)]
    public int RequestsPerSecond { get; set; } = 1000;

    /// <summary>Requests a key may send at once above the steady rate.</summary>
    [Range(1, 10_000_000)]
    public int Burst { get; set; } = 2000;
}

/// <summary>One client's key. Give <see cref="KeyHash"/> (hex SHA-256 of the key) to keep the key itself out of configuration.</summary>
public sealed class ApiKey
{
    /// <summary>Who holds the key: shows in logs and rate-limit partitions, never the key itself.</summary>
    [Required]
    public string Name { get; set; } = "";

    public string? Key { get; set; }

    public string? KeyHash { get; set; }

    /// <summary><c>ingest</c> (POST /clicks…), <c>read</c> (queries), <c>admin</c> (stats, drains, dead letters, dashboard, metrics).</summary>
    public List<string> Scopes { get; set; } = [];
}
