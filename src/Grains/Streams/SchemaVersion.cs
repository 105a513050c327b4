using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ClickOrleans.Streams;

/// <summary>
/// The version of a declared stream's schema as its sink records it: a hash of its table and fields (name, type,
/// whether required, bounds), its rollups and indexes and whether it keeps extra properties, and that definition as text, which
/// <see cref="SchemaEvolution"/> reads back and the messages that name a change quote.
/// </summary>
public sealed record SchemaVersion(string Version, string Definition)
{
    private const string TablePrefix = "table ", TableEnd = ": ", FieldSeparator = "; ", PartSeparator = " | ", RollupPrefix = "rollup ", IndexPrefix = "index ";

    /// <summary>The last part of a definition whose stream keeps extra properties (a stream that rejects them has none, as before <c>Extra</c> existed).</summary>
    public const string KeepsExtra = "extra keep";

    public static SchemaVersion Of(StreamSchema stream)
    {
        var definition = TablePrefix + stream.Table + TableEnd + string.Join(FieldSeparator, stream.Fields.Select(Describe))
            + string.Concat(stream.Rollups.Select(rollup => PartSeparator + Describe(rollup)))
            + string.Concat(stream.Indexes.Select(index => PartSeparator + Describe(index)))
            + (stream.Extra == ExtraProperties.Keep ? PartSeparator + KeepsExtra : "");
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(definition));
        return new SchemaVersion(Convert.ToHexStringLower(hash)[..16], definition);
    }

    /// <summary>
    /// The table, the field, rollup and index descriptions (each as <see cref="Describe(StreamField)"/>,
    /// <see cref="Describe(StreamRollup)"/> and <see cref="Describe(StreamIndex)"/> wrote it) of a recorded definition,
    /// and whether its stream kept extra properties.
    /// </summary>
    public static (string Table, IReadOnlyList<string> Fields, IReadOnlyList<string> Rollups, IReadOnlyList<string> Indexes, bool KeepsExtra) Read(string definition)
    {
        var end = definition.IndexOf(TableEnd, StringComparison.Ordinal);
        if (!definition.StartsWith(TablePrefix, StringComparison.Ordinal) || end < 0)
        {
            throw new FormatException($"'{definition}' is not a schema definition this version records.");
        }

        var parts = definition[(end + TableEnd.Length)..].Split(PartSeparator);
        return (definition[TablePrefix.Length..end], parts[0].Split(FieldSeparator),
            [.. parts.Where(part => part.StartsWith(RollupPrefix, StringComparison.Ordinal))],
            [.. parts.Where(part => part.StartsWith(IndexPrefix, StringComparison.Ordinal))],
            parts[^1] == KeepsExtra);
    }

    /// <summary>
    /// The stream as a recorded version of it was declared: its fields (with their types, bounds and whether they are
    /// required), indexes and whether it kept extra properties, from the definition; everything the definition does not
    /// hold (its name, staging, drain settings, rollups, how it treats what producers push beside its fields) from
    /// <paramref name="current"/>, the stream as declared now.
    /// </summary>
    public static StreamSchema ToSchema(string definition, StreamSchema current)
    {
        var (table, fields, _, indexes, keptExtra) = Read(definition);
        return current with
        {
            Table = table,
            Fields = [.. fields.Select(description => ReadField(description, current))],
            Indexes = [.. indexes.Select(description => description.Split(' '))
                .Select(words => new StreamIndex(words[1], words[2].Split(','), words.Length > 3 ? Enum.Parse<IndexKind>(words[3], ignoreCase: true) : IndexKind.BTree))],
            Extra = keptExtra ? ExtraProperties.Keep : current.Extra == ExtraProperties.Keep ? ExtraProperties.Reject : current.Extra,
        };
    }

    /// <summary>A field as <see cref="Describe(StreamField)"/> wrote it: <c>name type[ required][ min..max][ max length]</c>.</summary>
    private static StreamField ReadField(string description, StreamSchema current)
    {
        var words = description.Split(' ');
        var type = words[1];
        int? precision = null, scale = null;
        if (type.StartsWith("decimal(", StringComparison.Ordinal))
        {
            var digits = type["decimal(".Length..^1].Split(',');
            (precision, scale) = (int.Parse(digits[0], CultureInfo.InvariantCulture), int.Parse(digits[1], CultureInfo.InvariantCulture));
            type = "decimal";
        }

        decimal? min = null, max = null;
        int? maxLength = null;
        var required = false;
        for (var i = 2; i < words.Length; i++)
        {
            if (words[i] == "required")
            {
                required = true;
            }
            else if (words[i] == "max")
            {
                maxLength = int.Parse(words[++i], CultureInfo.InvariantCulture);
            }
            else
            {
                var bounds = words[i].Split("..");
                min = bounds[0].Length > 0 ? decimal.Parse(bounds[0], NumberStyles.Float, CultureInfo.InvariantCulture) : null;
                max = bounds[1].Length > 0 ? decimal.Parse(bounds[1], NumberStyles.Float, CultureInfo.InvariantCulture) : null;
            }
        }

        var fieldType = Enum.GetValues<FieldType>().First(value => value.ToString().Equals(type, StringComparison.OrdinalIgnoreCase));
        var what = current.Fields.FirstOrDefault(field => field.Name == words[0])?.Description ?? "";
        return new StreamField(words[0], fieldType, required, min, max, maxLength, what, precision, scale);
    }

    /// <summary>An index as the definition holds it: <c>index name a,b,ts</c>, its kind after it unless a B-tree (<c>index name a,ts hash</c>).</summary>
    public static string Describe(StreamIndex index) =>
        $"{IndexPrefix}{index.Name} {string.Join(',', index.Fields)}{(index.Kind == IndexKind.BTree ? "" : " " + index.KindName)}";

    /// <summary>A rollup as the definition holds it: <c>rollup name bucket by a,b sum x,y table t[ distinct v,w]</c>.</summary>
    public static string Describe(StreamRollup rollup) =>
        $"{RollupPrefix}{rollup.Name} {rollup.Bucket} by {string.Join(',', rollup.By)} sum {string.Join(',', rollup.Sums)} table {rollup.Table}"
        + (rollup.Distinct.Count > 0 ? $" distinct {string.Join(',', rollup.Distinct)}" : "");

    /// <summary>The name of a rollup or an index in its recorded description.</summary>
    public static string NameOf(string description) => description.Split(' ')[1];

    /// <summary>A field as the definition holds it: <c>name type[ required][ min..max][ max length]</c>.</summary>
    public static string Describe(StreamField field) =>
        Column(field)
        + (field.Min is null && field.Max is null ? "" : string.Create(CultureInfo.InvariantCulture, $" {field.Min}..{field.Max}"))
        + (field.MaxLength is { } length ? string.Create(CultureInfo.InvariantCulture, $" max {length}") : "");

    /// <summary>What of a field its column stores: <c>name type[ required]</c>, the start of its description.</summary>
    public static string Column(StreamField field) =>
        $"{field.Name} {field.TypeName}{(field.Required ? " required" : "")}";

    /// <summary>The <see cref="Column"/> part of a recorded field description.</summary>
    public static string ColumnOf(string description)
    {
        var words = description.Split(' ');
        return words.Length > 2 && words[2] == "required" ? string.Join(' ', words[..3]) : string.Join(' ', words[..2]);
    }
}
