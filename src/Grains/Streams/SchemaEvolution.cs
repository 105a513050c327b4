namespace ClickOrleans.Streams;

/// <summary>
/// What a declaration changes against the schema version its table was last recorded with. New optional fields are
/// <see cref="Added"/> (each a new nullable column, applied at start; the rows already stored hold null), changed
/// bounds apply to what is staged from then on, new rollups are <see cref="AddedRollups"/>, new indexes
/// <see cref="AddedIndexes"/>, keeping extra properties adds a column (<see cref="AddsExtra"/>); anything else that
/// touches a table is <see cref="Refused"/>, each change named.
/// </summary>
/// <param name="AddedRollups">New rollups: their tables are created and filled from the events already stored. A rollup
/// no longer declared keeps its table, no longer updated.</param>
/// <param name="AddsExtra">The stream keeps extra properties now and did not: its table gets the nullable <c>extra</c> column.</param>
/// <param name="AddedIndexes">New indexes: built at start. An index no longer declared stays in the sink (drop it by hand).</param>
public sealed record SchemaEvolution(
    IReadOnlyList<StreamField> Added, IReadOnlyList<StreamRollup> AddedRollups, IReadOnlyList<StreamIndex> AddedIndexes, bool AddsExtra, IReadOnlyList<string> Refused)
{
    public static SchemaEvolution Between(string recordedDefinition, StreamSchema declared)
    {
        var (table, fields, rollups, indexes, keptExtra) = SchemaVersion.Read(recordedDefinition);
        var recorded = fields.ToDictionary(field => field[..field.IndexOf(' ', StringComparison.Ordinal)], StringComparer.Ordinal);
        var refused = new List<string>();
        if (table != declared.Table)
        {
            refused.Add($"its table was {table}, it is declared {declared.Table}: a stream's table cannot be renamed");
        }

        foreach (var (name, description) in recorded)
        {
            if (declared.Fields.FirstOrDefault(field => field.Name == name) is not { } field)
            {
                refused.Add($"field {name} [{description}] is no longer declared: a field whose values are stored cannot be removed");
            }
            else if (SchemaVersion.Column(field) != SchemaVersion.ColumnOf(description))
            {
                refused.Add($"field {name} was [{description}], it is declared [{SchemaVersion.Describe(field)}]: a field's type, and whether it is required, cannot change");
            }
        }

        var added = declared.Fields.Where(field => !recorded.ContainsKey(field.Name)).ToList();
        foreach (var field in added.Where(field => field.Required))
        {
            refused.Add($"new field {field.Name} is required, but the rows already stored have no value for it: declare it optional");
        }

        var recordedRollups = rollups.ToDictionary(SchemaVersion.NameOf, StringComparer.Ordinal);
        foreach (var rollup in declared.Rollups)
        {
            if (recordedRollups.TryGetValue(rollup.Name, out var description) && description != SchemaVersion.Describe(rollup))
            {
                refused.Add($"rollup {rollup.Name} was [{description}], it is declared [{SchemaVersion.Describe(rollup)}]: a rollup cannot change; declare it under a new name (it is filled from the stored events) and remove this one");
            }
        }

        var recordedIndexes = indexes.ToDictionary(SchemaVersion.NameOf, StringComparer.Ordinal);
        foreach (var index in declared.Indexes)
        {
            if (recordedIndexes.TryGetValue(index.Name, out var description) && description != SchemaVersion.Describe(index))
            {
                refused.Add($"index {index.Name} was [{description}], it is declared [{SchemaVersion.Describe(index)}]: an index cannot change; declare it under a new name and remove this one");
            }
        }

        var keepsExtra = declared.Extra == ExtraProperties.Keep;
        if (keptExtra && !keepsExtra)
        {
            refused.Add("its Extra was Keep, it is declared Reject: the extra column holds what was kept, so a stream that keeps extra properties keeps doing so");
        }

        return new SchemaEvolution(
            [.. added.Where(field => !field.Required)],
            [.. declared.Rollups.Where(rollup => !recordedRollups.ContainsKey(rollup.Name))],
            [.. declared.Indexes.Where(index => !recordedIndexes.ContainsKey(index.Name))],
            keepsExtra && !keptExtra,
            refused);
    }
}
