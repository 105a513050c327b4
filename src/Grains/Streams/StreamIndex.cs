namespace ClickOrleans.Streams;

/// <summary>
/// An index of a stream's raw events in its sink: the queries by these fields it serves, equal values of a prefix of
/// its fields and a time range.
/// </summary>
/// <param name="Name">Its name: the clicks' <c>clicks_uid_ts</c>, or a declared index's name in its stream.</param>
/// <param name="Fields">Its columns in order, <c>ts</c> last.</param>
public sealed record StreamIndex(string Name, IReadOnlyList<string> Fields)
{
    /// <summary>The fields a query gives values of: all but <c>ts</c>.</summary>
    public IEnumerable<string> Keys => Fields.Take(Fields.Count - 1);

    /// <summary>The name of a declared index in its sink (indexes and tables share one namespace on PostgreSQL).</summary>
    public static string Relation(string table, string index) => $"{table}_{index}";
}
