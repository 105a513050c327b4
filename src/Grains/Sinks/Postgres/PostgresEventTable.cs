using System.Collections.Concurrent;
using System.Globalization;
using ClickOrleans.Streams;

namespace ClickOrleans.Sinks.Postgres;

/// <summary>A stream's table on PostgreSQL: its DDL and COPY from the schema, one typed column per field.</summary>
internal sealed class PostgresEventTable
{
    public PostgresEventTable(string schema, EventRules rules)
    {
        var stream = rules.Stream;
        Rules = rules;
        Stream = stream;
        Name = $"{schema}.\"{stream.Table}\"";
        Declared = [.. stream.Fields.Skip(2)];
        KeepsExtra = stream.Extra == ExtraProperties.Keep;
        Create =
        [
            $"""
            CREATE TABLE {Name} (
                event_id uuid NOT NULL,
                client_id text,
                ts timestamptz NOT NULL{string.Concat(Declared.Select(field => $",\n    {Column(field)}"))}{(KeepsExtra ? ",\n    " + ExtraColumn : "")}){(stream.Retention is null ? "" : " PARTITION BY RANGE (ts)")}
            """,
            .. stream.TimeLookupField is null ? [$"CREATE INDEX \"{stream.Table}_ts\" ON {Name} (ts)"] : Array.Empty<string>(),
            .. stream.Indexes.Select(CreateIndex),
        ];
        Rollups = [.. stream.Rollups.Select(rollup => new PostgresRollupTable(schema, this, rollup))];
        SelectHolding = string.Join("\nUNION ALL ",
        [
            $"SELECT '{stream.Table}' WHERE EXISTS (SELECT 1 FROM {Name} WHERE ts >= $1 AND ts < $2)",
            .. Rollups.Select(rollup => Holds(rollup.Rollup.Table, rollup.Name, rollup.Rollup.BucketColumn, rollup.Rollup.BucketMs)),
            .. Rollups.Where(rollup => rollup.Rollup.Distinct.Count > 0)
                .Select(rollup => Holds(rollup.Rollup.ValuesTable, rollup.ValuesName, "bucket", rollup.Rollup.BucketMs)),
        ]);
        DeleteRange =
        [
            $"DELETE FROM {Name} WHERE ts >= $1 AND ts < $2",
            .. Rollups.Select(rollup => $"DELETE FROM {rollup.Name} WHERE \"{rollup.Rollup.BucketColumn}\" >= $1 AND \"{rollup.Rollup.BucketColumn}\" < $2"),
            .. Rollups.Where(rollup => rollup.Rollup.Distinct.Count > 0).Select(rollup => $"DELETE FROM {rollup.ValuesName} WHERE bucket >= $1 AND bucket < $2"),
        ];
        StoredKey = stream.TimeLookupField is { } field ? rules.IndexOf(field) : -1;
        SelectStored = StoredKey < 0
            ? $"SELECT e.event_id FROM unnest($1::uuid[], $2::timestamptz[]) AS b (event_id, ts) JOIN {Name} e ON e.ts = b.ts AND e.event_id = b.event_id"
            : $"SELECT e.event_id FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[]) AS b (event_id, ts, lookup) JOIN {Name} e ON e.\"{stream.TimeLookupField}\" = b.lookup AND e.ts = b.ts AND e.event_id = b.event_id";

        static string Holds(string table, string name, string bucket, long bucketMs) => string.Create(CultureInfo.InvariantCulture,
            $"SELECT '{table}' WHERE EXISTS (SELECT 1 FROM {name} WHERE {bucket} >= date_bin(interval '{bucketMs} milliseconds', $1, timestamptz 'epoch') AND {bucket} < $2)");
    }

    /// <summary>
    /// The names of the stream's tables that hold anything of [$1, $2): its own by ts, each rollup's (and its distinct
    /// values') from the bucket $1 falls in. What a backfill of the range would store twice.
    /// </summary>
    public string SelectHolding { get; }

    /// <summary>The statements that delete the events of [$1, $2) and the rollups' (and their distinct values') buckets that start in it.</summary>
    public string[] DeleteRange { get; }

    /// <summary>
    /// The ids of events, given as ids ($1), times ($2) and, for a table without a ts index, <see cref="StoredKey"/>'s
    /// values ($3), that the table holds: found through an index, its ts index or the one of <see cref="StreamSchema.TimeLookupField"/>.
    /// </summary>
    public string SelectStored { get; }

    /// <summary>The field <see cref="SelectStored"/> also matches by (<see cref="StreamSchema.TimeLookupField"/>, the clicks' uid); -1 for a table with a ts index.</summary>
    public int StoredKey { get; }

    /// <summary>The tables of its declared rollups.</summary>
    public PostgresRollupTable[] Rollups { get; }

    public StreamSchema Stream { get; }

    /// <summary>The rules its rows were read by: their layout.</summary>
    public EventRules Rules { get; }

    /// <summary>The table's qualified, quoted name.</summary>
    public string Name { get; }

    /// <summary>The fields after id and ts, in the order of <see cref="EventRows.Present"/>.</summary>
    public StreamField[] Declared { get; }

    /// <summary>The statements that create the table (partitioned by range of ts for a stream with a retention: <see cref="PostgresPartitions"/>) and its indexes.</summary>
    public string[] Create { get; }

    /// <summary>The statement that adds an optional field's column to the table (null in every row stored before).</summary>
    public string AddColumn(StreamField field) => $"ALTER TABLE {Name} ADD COLUMN {Column(field)}";

    /// <summary>The statement that builds a declared index of the table.</summary>
    public string CreateIndex(StreamIndex index) =>
        $"CREATE INDEX \"{StreamIndex.Relation(Stream.Table, index.Name)}\" ON {Name} USING {index.KindName} ({string.Join(", ", index.Columns.Select(field => $"\"{field}\""))})";

    /// <summary>Whether the table has the <c>extra</c> column its events' kept properties go to (<see cref="EventRows.Extra"/>).</summary>
    public bool KeepsExtra { get; }

    /// <summary>The statement that adds the <c>extra</c> column, for a stream that keeps extra properties from now on.</summary>
    public string AddExtraColumn => $"ALTER TABLE {Name} ADD COLUMN {ExtraColumn}";

    private const string ExtraColumn = "extra jsonb";

    /// <summary>
    /// The binary COPY of rows read by <paramref name="rules"/> (<see cref="PostgresCopyRows"/>): the columns of that
    /// schema version, which the table has since its declarations only ever add columns.
    /// </summary>
    public string CopyOf(EventRules rules) =>
        _copies.GetOrAdd(rules.Version, _ => $"COPY {Name} ({string.Join(", ", rules.StoredColumns)}) FROM STDIN (FORMAT BINARY)");

    private readonly ConcurrentDictionary<string, string> _copies = new();

    private static string Column(StreamField field) =>
        $"\"{field.Name}\" {(field.Type == FieldType.Decimal ? $"numeric({field.Precision},{field.Scale})" : SqlType(field.Type))}{(field.Required ? " NOT NULL" : "")}";

    public static string SqlType(FieldType type) => type switch
    {
        FieldType.Int64 => "bigint",
        FieldType.Float64 => "double precision",
        FieldType.Bool => "boolean",
        FieldType.String => "text",
        FieldType.Timestamp => "timestamptz",
        FieldType.Uuid => "uuid",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
