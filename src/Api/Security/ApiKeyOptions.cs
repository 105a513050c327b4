using Microsoft.Extensions.Options;

namespace ClickOrleans.Api.Security;

/// <summary>Who may call the Api: API keys with scopes.</summary>
public sealed class ApiKeyOptions : IValidatableObject
{
    public const string Section = "Api";

    /// <summary>The shortest plain <see cref="ApiKey.Key"/> accepted: 16 characters (e.g. 24 random bytes in hex are 48).</summary>
    public const int MinKeyLength = 16;

    /// <summary>
    /// The keys. Empty at start: anonymous access, which needs <see cref="AllowAnonymous"/> in cluster mode. Empty later,
    /// after an Api started with keys: nobody gets in until keys are configured again.
    /// </summary>
    public List<ApiKey> Keys { get; set; } = [];

    /// <summary>Run a cluster-mode Api without keys: only behind something else that authenticates.</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Requests per second allowed per key (per client address when anonymous); 0 turns limiting off.</summary>
    [Range(0, 1_000_000)]
    public int RequestsPerSecond { get; set; } = 1000;

    /// <summary>
    /// Addresses of the reverse proxies in front of the Api: only from these is <c>X-Forwarded-For</c> believed, so that
    /// anonymous clients behind a proxy get a rate bucket each. Empty (the default): the header is ignored.
    /// </summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Requests a key may send at once above the steady rate.</summary>
    [Range(1, 10_000_000)]
    public int Burst { get; set; } = 2000;

    /// <summary>Every key has a name, exactly one of Key and KeyHash (64 hex digits), and known scopes.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in KnownProxies.Where(proxy => !System.Net.IPAddress.TryParse(proxy, out _)))
        {
            yield return new ValidationResult($"Api:KnownProxies: '{proxy}' is not an IP address.");
        }

        for (var i = 0; i < Keys.Count; i++)
        {
            var key = Keys[i];
            var at = $"Api:Keys:{i}";
            if (string.IsNullOrWhiteSpace(key.Name))
            {
                yield return new ValidationResult($"{at}:Name is required.");
            }

            if (string.IsNullOrEmpty(key.Key) == string.IsNullOrEmpty(key.KeyHash))
            {
                yield return new ValidationResult($"{at} needs exactly one of Key and KeyHash.");
            }
            else if (key.KeyHash is { Length: > 0 } hash && (hash.Length != 64 || !hash.All(char.IsAsciiHexDigit)))
            {
                yield return new ValidationResult($"{at}:KeyHash must be the SHA-256 of the key in 64 hex digits (e.g. `printf %s \"$KEY\" | sha256sum`).");
            }
            else if (key.Key is { Length: > 0 and < MinKeyLength })
            {
                yield return new ValidationResult($"{at}:Key must be at least {MinKeyLength} characters: a short key is guessed (e.g. `head -c 24 /dev/urandom | xxd -p`).");
            }

            if (key.Scopes.Count == 0 || key.Scopes.Except(Scopes.All).Any())
            {
                yield return new ValidationResult($"{at}:Scopes must be one or more of {string.Join(", ", Scopes.All)}.");
            }
        }
    }
}

/// <summary>Checks the keys and limits at start, generated from the attributes and <see cref="ApiKeyOptions.Validate"/>.</summary>
[OptionsValidator]
public sealed partial class ApiKeyOptionsValidator : IValidateOptions<ApiKeyOptions>;

/// <summary>One client's key. Give <see cref="KeyHash"/> (hex SHA-256 of the key) to keep the key itself out of configuration.</summary>
public sealed class ApiKey
{
    /// <summary>Who holds the key: shows in logs and rate-limit partitions, never the key itself.</summary>
    public string Name { get; set; } = "";

    public string? Key { get; set; }

    public string? KeyHash { get; set; }

    /// <summary><c>ingest</c> (POST /clicks…), <c>read</c> (queries), <c>admin</c> (stats, drains, dead letters, dashboard, metrics).</summary>
    public List<string> Scopes { get; set; } = [];
}
