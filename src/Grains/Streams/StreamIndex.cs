using System.Text.Json.Serialization;

namespace ClickOrleans.Streams;

/// <summary>
/// An index of a stream's raw events in its sink: the queries by these fields it serves, equal values of a prefix of
/// its fields and a time range.
/// </summary>
/// <param name="Name">Its name: the clicks' <c>clicks_uid_ts</c>, or a declared index's name in its stream.</param>
/// <param name="Fields">Its columns in order, <c>ts</c> last.</param>
/// <param name="Kind">How PostgreSQL keeps it (SQLite keeps every index as a B-tree).</param>
public sealed record StreamIndex(string Name, IReadOnlyList<string> Fields, IndexKind Kind = IndexKind.BTree)
{
    /// <summary>The fields a query gives values of: all but <c>ts</c>.</summary>
    public IEnumerable<string> Keys => Fields.Take(Fields.Count - 1);

    /// <summary>The columns PostgreSQL indexes: a hash index its one field (no order to serve), the others every field and <c>ts</c>.</summary>
    [JsonIgnore]
    public IEnumerable<string> Columns => Kind == IndexKind.Hash ? Keys : Fields;

    /// <summary>Its kind as configured and as PostgreSQL names the access method: <c>btree</c>, <c>hash</c>, <c>brin</c>.</summary>
    [JsonIgnore]
    public string KindName => Kind.ToString().ToLowerInvariant();

    /// <summary>The name of a declared index in its sink (indexes and tables share one namespace on PostgreSQL).</summary>
    public static string Relation(string table, string index) => $"{table}_{index}";
}

/// <summary>
/// The access method of a stream's index on PostgreSQL, a trade between what a write costs and what a query costs
/// (bench/results.md, "Index kinds"); SQLite has B-trees only.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<IndexKind>))]
public enum IndexKind
{
    /// <summary>A B-tree on the fields and <c>ts</c>: a key's events newest first straight from the index (the default).</summary>
    [JsonStringEnumMemberName("btree")]
    BTree,

    /// <summary>A hash of one field: a key's rows found by equality, then sorted by <c>ts</c>; no order, no prefix of several fields.</summary>
    [JsonStringEnumMemberName("hash")]
    Hash,

    /// <summary>A block-range index (BRIN) on the fields and <c>ts</c>: tiny and cheap to write, fast only where values follow the table's physical order (a counter, an ever-growing id).</summary>
    [JsonStringEnumMemberName("brin")]
    Brin,
}
