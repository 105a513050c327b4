using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ClickOrleans.Streams;

/// <summary>
/// The version of a declared stream's schema as its sink records it: a hash of its table and fields (name, type,
/// whether required, bounds), and that definition as text for the messages that name a change.
/// </summary>
public sealed record SchemaVersion(string Version, string Definition)
{
    public static SchemaVersion Of(StreamSchema stream)
    {
        var definition = $"table {stream.Table}: " + string.Join("; ", stream.Fields.Select(Describe));
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(definition));
        return new SchemaVersion(Convert.ToHexStringLower(hash)[..16], definition);
    }

    private static string Describe(StreamField field) =>
        string.Create(CultureInfo.InvariantCulture, $"{field.Name} {field.Type.ToString().ToLowerInvariant()}{(field.Required ? " required" : "")}")
        + (field.Min is null && field.Max is null ? "" : string.Create(CultureInfo.InvariantCulture, $" {field.Min}..{field.Max}"))
        + (field.MaxLength is { } length ? string.Create(CultureInfo.InvariantCulture, $" max {length}") : "");
}
