using Microsoft.Extensions.Configuration;

namespace ClickOrleans.Hosting;

/// <summary>Settings without which a host cannot start; the error names the key and how to set it.</summary>
public static class RequiredSettings
{
    /// <exception cref="MissingSettingException">The connection string is not set.</exception>
    public static string GetRequiredConnectionString(this IConfiguration configuration, string name) =>
        configuration.GetConnectionString(name) is { Length: > 0 } value
            ? value
            : throw new MissingSettingException(
                $"ConnectionStrings:{name} is not set. Set it in appsettings.json or as the environment variable ConnectionStrings__{name}.");
}

/// <summary>A host was started without a setting it needs.</summary>
public sealed class MissingSettingException(string message) : Exception(message);
