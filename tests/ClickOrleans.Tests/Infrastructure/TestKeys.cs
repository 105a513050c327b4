using System.Security.Cryptography;
using System.Text;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>One key per scope, and the Api settings that configure them (the read key by its SHA-256, the others plain).</summary>
public static class TestKeys
{
    public const string Ingest = "ingest-key-8f1c2e";
    public const string Read = "read-key-51be90a7";
    public const string Admin = "admin-key-c03d77";

    /// <summary>An Api with these three keys and no anonymous access.</summary>
    public static (string Key, string Value)[] Settings { get; } =
    [
        ("Api:AllowAnonymous", "false"),
        ("Api:Keys:0:Name", "shop"),
        ("Api:Keys:0:Key", Ingest),
        ("Api:Keys:0:Scopes:0", "ingest"),
        ("Api:Keys:1:Name", "analyst"),
        ("Api:Keys:1:KeyHash", Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Read)))),
        ("Api:Keys:1:Scopes:0", "read"),
        ("Api:Keys:2:Name", "operator"),
        ("Api:Keys:2:Key", Admin),
        ("Api:Keys:2:Scopes:0", "admin"),
    ];
}
