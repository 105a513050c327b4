using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ClickOrleans.Sinks.Sqlite;

/// <summary>
/// The prepared INSERT of one click into <c>clicks</c>, bound through SQLite's C API on the sink's connection: no
/// boxed parameters and no wrapper calls per value, the drain's per-row cost.
/// </summary>
internal sealed class SqliteClickInsert : IDisposable
{
    private const string Sql = "INSERT INTO clicks (event_id, client_id, uid, pid, ts) VALUES (?1, ?2, ?3, ?4, ?5)";

    // SQLITE_TOOBIG, SQLITE_CONSTRAINT (CHECK, NOT NULL, a trigger's RAISE), SQLITE_MISMATCH: about a row's values.
    private static readonly int[] DataErrors = [18, 19, 20];

    private readonly sqlite3 _database;
    private readonly sqlite3_stmt _statement;

    public SqliteClickInsert(SqliteConnection connection)
    {
        _database = connection.Handle!;
        Check(raw.sqlite3_prepare_v2(_database, Sql, out _statement));
    }

    public static bool IsDataError(int errorCode) => DataErrors.Contains(errorCode & 0xFF);

    /// <summary>Inserts the click; a row SQLite refuses for its data aborts only this statement and comes back as the error.</summary>
    /// <exception cref="SqliteException">Any other error: the write fails.</exception>
    public bool TryInsert(in StagedClick click, out string error)
    {
        Span<byte> eventId = stackalloc byte[16];
        click.EventId.TryWriteBytes(eventId, bigEndian: true, out _);
        raw.sqlite3_bind_blob(_statement, 1, eventId);
        if (click.ClientId is null)
        {
            raw.sqlite3_bind_null(_statement, 2);
        }
        else
        {
            raw.sqlite3_bind_text(_statement, 2, click.ClientId);
        }

        raw.sqlite3_bind_int64(_statement, 3, click.Uid);
        raw.sqlite3_bind_int64(_statement, 4, click.Pid);
        raw.sqlite3_bind_int64(_statement, 5, click.TimestampMs);
        var result = raw.sqlite3_step(_statement);
        var message = result == raw.SQLITE_DONE ? "" : raw.sqlite3_errmsg(_database).utf8_to_string();
        raw.sqlite3_reset(_statement);
        if (result == raw.SQLITE_DONE)
        {
            error = "";
            return true;
        }

        if (IsDataError(result))
        {
            error = message;
            return false;
        }

        throw new SqliteException($"SQLite Error {result}: '{message}'.", result, raw.sqlite3_extended_errcode(_database));
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int result)
    {
        if (result != raw.SQLITE_OK)
        {
            throw new SqliteException($"SQLite Error {result}: '{raw.sqlite3_errmsg(_database).utf8_to_string()}'.", result);
        }
    }
}
