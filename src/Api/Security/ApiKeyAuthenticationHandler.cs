using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Api.Security;

/// <summary>
/// Authenticates <c>X-Api-Key: &lt;key&gt;</c> (or <c>Authorization: Bearer &lt;key&gt;</c>) against <c>Api:Keys</c>,
/// in constant time: the presented key's SHA-256 is compared with each key's, so neither a key's bytes nor its length
/// leak. A missing key is no result (401 where a scope is required); an unknown key fails (401).
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<ApiKeyOptions> keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = PresentedKey();
        if (presented is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        foreach (var key in keys.CurrentValue.Keys)
        {
            if (Matches(key, hash))
            {
                var claims = key.Scopes.Select(scope => new Claim(Scopes.ClaimType, scope)).Append(new Claim(ClaimTypes.Name, key.Name));
                var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
                return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
            }
        }

        return Task.FromResult(AuthenticateResult.Fail("Unknown API key"));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{HeaderName}\"";
        return Task.CompletedTask;
    }

    private string? PresentedKey()
    {
        if (Request.Headers.TryGetValue(HeaderName, out var header) && header.Count == 1 && !string.IsNullOrEmpty(header[0]))
        {
            return header[0];
        }

        var authorization = Request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
    }

    private static bool Matches(ApiKey key, byte[] presentedHash)
    {
        // Key hashes were checked at start by ApiKeyOptionsValidator.
        if (key.KeyHash is { Length: > 0 } hex)
        {
            return CryptographicOperations.FixedTimeEquals(Convert.FromHexString(hex), presentedHash);
        }

        return key.Key is { Length: > 0 } plain
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(plain)), presentedHash);
    }
}
