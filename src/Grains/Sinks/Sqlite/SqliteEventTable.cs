using System.Buffers.Text;
using System.Globalization;
using ClickOrleans.Streams;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ClickOrleans.Sinks.Sqlite;

/// <summary>
/// A stream's table on SQLite: its DDL from the schema and its prepared INSERT, bound through SQLite's C API from the
/// rows' typed columns (no boxed parameters, no wrapper calls per value: the drain's per-row cost). Times are Unix
/// milliseconds and booleans 0 or 1; ids 16-byte blobs; uuids and decimals their exact text.
/// </summary>
internal sealed class SqliteEventTable : IDisposable
{
    // SQLITE_TOOBIG, SQLITE_CONSTRAINT (CHECK, NOT NULL, a trigger's RAISE), SQLITE_MISMATCH: about a row's values.
    private static readonly int[] DataErrors = [18, 19, 20];

    private readonly sqlite3 _database;

    // Per schema version, its INSERT: prepared at the first row of that version, when the table exists (the sink's
    // migration creates it after this is made). Only the sink's one writer uses them.
    private readonly Dictionary<string, sqlite3_stmt> _inserts = [];

    public SqliteEventTable(SqliteConnection connection, EventRules rules)
    {
        var stream = rules.Stream;
        Rules = rules;
        Stream = stream;
        var declared = Declared = [.. stream.Fields.Skip(2)];
        KeepsExtra = stream.Extra == ExtraProperties.Keep;
        Create =
        [
            $"""
            CREATE TABLE "{stream.Table}" (
                event_id BLOB NOT NULL,
                client_id TEXT,
                ts INTEGER NOT NULL{string.Concat(declared.Select(field => $",\n    {Column(field)}"))}{(KeepsExtra ? ",\n    " + ExtraColumn : "")})
            """,
            .. stream.TimeLookupField is null ? [$"CREATE INDEX \"{stream.Table}_ts\" ON \"{stream.Table}\" (ts)"] : Array.Empty<string>(),
            .. stream.Indexes.Select(CreateIndex),
        ];
        _database = connection.Handle!;
        Rollups = [.. stream.Rollups.Select(rollup => new SqliteRollupTable(connection, this, rollup))];
        SelectHolding = string.Join("\nUNION ALL ",
        [
            $"SELECT '{stream.Table}' WHERE EXISTS (SELECT 1 FROM \"{stream.Table}\" WHERE ts >= $from AND ts < $to)",
            .. stream.Rollups.Select(rollup => Holds(rollup.Table, rollup.BucketColumn, rollup.BucketMs)),
            .. stream.Rollups.Where(rollup => rollup.Distinct.Count > 0).Select(rollup => Holds(rollup.ValuesTable, "bucket", rollup.BucketMs)),
        ]);
        DeleteRange = string.Join(";\n",
        [
            $"DELETE FROM \"{stream.Table}\" WHERE ts >= $from AND ts < $to",
            .. stream.Rollups.Select(rollup => $"DELETE FROM \"{rollup.Table}\" WHERE \"{rollup.BucketColumn}\" >= $from AND \"{rollup.BucketColumn}\" < $to"),
            .. stream.Rollups.Where(rollup => rollup.Distinct.Count > 0).Select(rollup => $"DELETE FROM \"{rollup.ValuesTable}\" WHERE bucket >= $from AND bucket < $to"),
        ]);
        StoredKey = stream.TimeLookupField is { } field ? rules.IndexOf(field) : -1;
        SelectStored = $"SELECT 1 FROM \"{stream.Table}\" WHERE {(StoredKey < 0 ? "" : $"\"{stream.TimeLookupField}\" = $key AND ")}ts = $ts AND event_id = $id";

        static string Holds(string table, string bucket, long bucketMs) => string.Create(CultureInfo.InvariantCulture,
            $"SELECT '{table}' WHERE EXISTS (SELECT 1 FROM \"{table}\" WHERE {bucket} >= $from - $from % {bucketMs} AND {bucket} < $to)");
    }

    /// <summary>
    /// The names of the stream's tables that hold anything of [$from, $to) (Unix milliseconds): its own by ts, each
    /// rollup's (and its distinct values') from the bucket $from falls in. What a backfill of the range would store twice.
    /// </summary>
    public string SelectHolding { get; }

    /// <summary>The statements that delete the events of [$from, $to) (Unix milliseconds) and the rollups' (and their distinct values') buckets that start in it.</summary>
    public string DeleteRange { get; }

    /// <summary>
    /// Whether the table holds the event of id $id (16 bytes, big-endian) at time $ts (and, for the clicks, of
    /// <see cref="StoredKey"/> $key): found through an index, its ts index or the one of <see cref="StreamSchema.TimeLookupField"/>.
    /// </summary>
    public string SelectStored { get; }

    /// <summary>The field <see cref="SelectStored"/> also matches by (<see cref="StreamSchema.TimeLookupField"/>, the clicks' uid); -1 for a table with a ts index.</summary>
    public int StoredKey { get; }

    public StreamSchema Stream { get; }

    /// <summary>The rules its rows were read by: their layout.</summary>
    public EventRules Rules { get; }

    /// <summary>The fields after id and ts, in the order of <see cref="EventRows.Present"/>.</summary>
    public StreamField[] Declared { get; }

    /// <summary>The tables of its declared rollups.</summary>
    public SqliteRollupTable[] Rollups { get; }

    /// <summary>The statements that create the table and its indexes.</summary>
    public string[] Create { get; }

    /// <summary>The statement that adds an optional field's column to the table (null in every row stored before).</summary>
    public string AddColumn(StreamField field) => $"ALTER TABLE \"{Stream.Table}\" ADD COLUMN {Column(field)}";

    /// <summary>The statement that builds a declared index of the table.</summary>
    public string CreateIndex(StreamIndex index) =>
        $"CREATE INDEX \"{StreamIndex.Relation(Stream.Table, index.Name)}\" ON \"{Stream.Table}\" ({string.Join(", ", index.Fields.Select(field => $"\"{field}\""))})";

    /// <summary>Whether the table has the <c>extra</c> column (JSON text) its events' kept properties go to (<see cref="EventRows.Extra"/>).</summary>
    public bool KeepsExtra { get; }

    /// <summary>The statement that adds the <c>extra</c> column, for a stream that keeps extra properties from now on.</summary>
    public string AddExtraColumn => $"ALTER TABLE \"{Stream.Table}\" ADD COLUMN {ExtraColumn}";

    private const string ExtraColumn = "extra TEXT";

    public static bool IsDataError(int errorCode) => DataErrors.Contains(errorCode & 0xFF);

    /// <summary>Inserts the row; a row SQLite refuses for its data aborts only this statement and comes back as the error.</summary>
    /// <param name="rules">The rules the rows were read by: their schema version's layout and columns.</param>
    /// <exception cref="SqliteException">Any other error: the write fails.</exception>
    public string? TryInsert(EventRules rules, EventRows rows, int row)
    {
        if (!_inserts.TryGetValue(rules.Version, out var insert))
        {
            var columns = rules.StoredColumns;
            _inserts[rules.Version] = insert = Prepare(
                $"INSERT INTO \"{Stream.Table}\" ({string.Join(", ", columns)}) VALUES ({string.Join(", ", Enumerable.Range(1, columns.Count).Select(i => "?" + i))})");
        }

        Span<byte> bytes = stackalloc byte[40];
        rows.EventIds[row].TryWriteBytes(bytes, bigEndian: true, out _);
        raw.sqlite3_bind_blob(insert, 1, bytes[..16]);
        BindText(insert, 2, rows.ClientIds[row]);
        raw.sqlite3_bind_int64(insert, 3, rows.Timestamps[row]);
        var fields = rules.Declared;
        for (var field = 0; field < fields.Count; field++)
        {
            var index = field + 4;
            if (!rows.Has(row, field))
            {
                raw.sqlite3_bind_null(insert, index);
                continue;
            }

            var slot = rules.SlotOf(field);
            int length;
            switch (fields[field].Type)
            {
                case FieldType.Int64 or FieldType.Timestamp or FieldType.Bool:
                    raw.sqlite3_bind_int64(insert, index, rows.LongAt(row, slot));
                    break;
                case FieldType.Float64:
                    raw.sqlite3_bind_double(insert, index, rows.DoubleAt(row, slot));
                    break;
                case FieldType.Uuid:
                    Utf8Formatter.TryFormat(rows.UuidAt(row, slot), bytes, out length, 'D');
                    raw.sqlite3_bind_text(insert, index, bytes[..length]);
                    break;
                case FieldType.Decimal:
                    Utf8Formatter.TryFormat(rows.DecimalAt(row, slot), bytes, out length);
                    raw.sqlite3_bind_text(insert, index, bytes[..length]);
                    break;
                default:
                    BindText(insert, index, rows.StringAt(row, slot));
                    break;
            }
        }

        if (rules.Shape.KeepsExtra)
        {
            BindText(insert, fields.Count + 4, rows.Extra[row]);
        }

        var result = raw.sqlite3_step(insert);
        var message = result == raw.SQLITE_DONE ? "" : raw.sqlite3_errmsg(_database).utf8_to_string();
        raw.sqlite3_reset(insert);
        if (result == raw.SQLITE_DONE)
        {
            return null;
        }

        return IsDataError(result) ? message : throw new SqliteException($"SQLite Error {result}: '{message}'.", result, raw.sqlite3_extended_errcode(_database));
    }

    public void Dispose()
    {
        foreach (var rollup in Rollups)
        {
            rollup.Dispose();
        }

        foreach (var insert in _inserts.Values)
        {
            insert.Dispose();
        }
    }

    private static void BindText(sqlite3_stmt insert, int index, string? text)
    {
        if (text is null)
        {
            raw.sqlite3_bind_null(insert, index);
        }
        else
        {
            raw.sqlite3_bind_text(insert, index, text);
        }
    }

    private sqlite3_stmt Prepare(string sql)
    {
        var result = raw.sqlite3_prepare_v2(_database, sql, out var statement);
        return result == raw.SQLITE_OK
            ? statement
            : throw new SqliteException($"SQLite Error {result}: '{raw.sqlite3_errmsg(_database).utf8_to_string()}'.", result);
    }

    private static string Column(StreamField field) => $"\"{field.Name}\" {SqlType(field.Type)}{(field.Required ? " NOT NULL" : "")}";

    public static string SqlType(FieldType type) => type switch
    {
        FieldType.Int64 or FieldType.Bool or FieldType.Timestamp => "INTEGER",
        FieldType.Float64 => "REAL",
        FieldType.String or FieldType.Uuid or FieldType.Decimal => "TEXT",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
