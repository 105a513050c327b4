namespace ClickOrleans.Api.Security;

/// <summary>What a key may do; each is also the name of the authorization policy that requires it.</summary>
public static class Scopes
{
    public const string Ingest = "ingest";
    public const string Read = "read";
    public const string Admin = "admin";

    public const string ClaimType = "scope";

    public static readonly string[] All = [Ingest, Read, Admin];
}
