using ClickOrleans.Streams;
using Microsoft.Data.Sqlite;

namespace ClickOrleans.Sinks.Sqlite;

/// <summary>
/// A declared stream's table on SQLite: its DDL from the schema and its prepared INSERT. Times are Unix milliseconds
/// and booleans 0 or 1, as in <c>clicks</c>; ids 16-byte blobs.
/// </summary>
internal sealed class SqliteEventTable : IDisposable
{
    private readonly SqliteCommand _insert;

    public SqliteEventTable(SqliteConnection connection, StreamSchema stream)
    {
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
            $"CREATE INDEX \"{stream.Table}_ts\" ON \"{stream.Table}\" (ts)",
            .. stream.Indexes.Select(CreateIndex),
        ];
        _insert = connection.CreateCommand();
        var parameters = declared.Length + 3 + (KeepsExtra ? 1 : 0);
        _insert.CommandText = $"INSERT INTO \"{stream.Table}\" (event_id, client_id, ts{string.Concat(declared.Select(field => $", \"{field.Name}\""))}{(KeepsExtra ? ", extra" : "")}) "
            + $"VALUES ({string.Join(", ", Enumerable.Range(1, parameters).Select(i => "$" + i))})";
        for (var i = 1; i <= parameters; i++)
        {
            _insert.Parameters.Add(new SqliteParameter { ParameterName = "$" + i });
        }

        Rollups = [.. stream.Rollups.Select(rollup => new SqliteRollupTable(connection, this, rollup))];
    }

    public StreamSchema Stream { get; }

    /// <summary>The fields after id and ts, in the order of <see cref="StagedEvent.Values"/>.</summary>
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

    /// <summary>Whether the table has the <c>extra</c> column (JSON text) its events' kept properties go to (<see cref="StagedEvent.Extra"/>).</summary>
    public bool KeepsExtra { get; }

    /// <summary>The statement that adds the <c>extra</c> column, for a stream that keeps extra properties from now on.</summary>
    public string AddExtraColumn => $"ALTER TABLE \"{Stream.Table}\" ADD COLUMN {ExtraColumn}";

    private const string ExtraColumn = "extra TEXT";

    /// <summary>Inserts the event; a row SQLite refuses for its data aborts only this statement and comes back as the error.</summary>
    /// <exception cref="SqliteException">Any other error: the write fails.</exception>
    public string? TryInsert(SqliteTransaction transaction, in StagedEvent row)
    {
        _insert.Transaction = transaction;
        _insert.Parameters[0].Value = row.EventId.ToByteArray(bigEndian: true);
        _insert.Parameters[1].Value = (object?)row.ClientId ?? DBNull.Value;
        _insert.Parameters[2].Value = row.TimestampMs;
        for (var i = 0; i < row.Values.Length; i++)
        {
            _insert.Parameters[i + 3].Value = row.Values[i] switch
            {
                null => DBNull.Value,
                bool flag => flag ? 1L : 0L,
                Guid uuid => uuid.ToString("D"),
                decimal exact => exact.ToString(System.Globalization.CultureInfo.InvariantCulture),
                var value => value,
            };
        }

        if (KeepsExtra)
        {
            _insert.Parameters[row.Values.Length + 3].Value = (object?)row.Extra ?? DBNull.Value;
        }

        try
        {
            _insert.ExecuteNonQuery();
            return null;
        }
        catch (SqliteException e) when (SqliteClickInsert.IsDataError(e.SqliteErrorCode))
        {
            return e.Message;
        }
    }

    public void Dispose()
    {
        foreach (var rollup in Rollups)
        {
            rollup.Dispose();
        }

        _insert.Dispose();
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
