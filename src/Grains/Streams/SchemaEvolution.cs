namespace ClickOrleans.Streams;

/// <summary>
/// What a declaration changes against the schema version its table was last recorded with. New optional fields are
/// <see cref="Added"/> (each a new nullable column, applied at start; the rows already stored hold null), and changed
/// bounds apply to what is staged from then on; anything else that touches the table is <see cref="Refused"/>, each
/// change named.
/// </summary>
public sealed record SchemaEvolution(IReadOnlyList<StreamField> Added, IReadOnlyList<string> Refused)
{
    public static SchemaEvolution Between(string recordedDefinition, StreamSchema declared)
    {
        var (table, fields) = SchemaVersion.Read(recordedDefinition);
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

        return new SchemaEvolution([.. added.Where(field => !field.Required)], refused);
    }
}
