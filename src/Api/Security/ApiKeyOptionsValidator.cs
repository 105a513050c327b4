using Microsoft.Extensions.Options;

namespace ClickOrleans.Api.Security;

/// <summary>Every key has a name, exactly one of Key and KeyHash (64 hex digits), and known scopes.</summary>
internal sealed class ApiKeyOptionsValidator : IValidateOptions<ApiKeyOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiKeyOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.Keys.Count; i++)
        {
            var key = options.Keys[i];
            var at = $"Api:Keys:{i}";
            if (string.IsNullOrWhiteSpace(key.Name))
            {
                failures.Add($"{at}:Name is required.");
            }

            if (string.IsNullOrEmpty(key.Key) == string.IsNullOrEmpty(key.KeyHash))
            {
                failures.Add($"{at} needs exactly one of Key and KeyHash.");
            }
            else if (key.KeyHash is { Length: > 0 } hash && (hash.Length != 64 || !hash.All(char.IsAsciiHexDigit)))
            {
                failures.Add($"{at}:KeyHash must be the SHA-256 of the key in 64 hex digits (e.g. `printf %s \"$KEY\" | sha256sum`).");
            }

            if (key.Scopes.Count == 0 || key.Scopes.Except(Scopes.All).Any())
            {
                failures.Add($"{at}:Scopes must be one or more of {string.Join(", ", Scopes.All)}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
