using ClickOrleans.Staging;
using Microsoft.Data.Sqlite;

namespace ClickOrleans.Sinks.Sqlite;

/// <summary>
/// The SQLite schema as numbered migrations, applied in order when the file is opened, each recorded in
/// <c>schema_migrations</c>. A new file runs them all; a file from an older release runs the ones it lacks.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>Migration n is at index n - 1. Never edit one that shipped: add the next.</summary>
    private static readonly string[] Migrations =
    [
        // 1: the first release's tables (a text primary key deduplicated replays). IF NOT EXISTS: files of that
        // release, which had no schema_migrations table, take it as applied.
        """
        CREATE TABLE IF NOT EXISTS clicks (
            event_id TEXT PRIMARY KEY,
            uid INTEGER NOT NULL,
            pid INTEGER NOT NULL,
            ts INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS clicks_uid_ts ON clicks (uid, ts);
        CREATE TABLE IF NOT EXISTS product_clicks_minute (
            pid INTEGER NOT NULL,
            minute INTEGER NOT NULL,
            clicks INTEGER NOT NULL,
            PRIMARY KEY (pid, minute)) WITHOUT ROWID;
        """,

        // 2: exactly once by progress marks committed with the data, so clicks needs no unique index: 16-byte ids
        // (client ids that are not lower-case hex UUIDs become their MD5 and keep their text in client_id).
        """
        DROP INDEX clicks_uid_ts;
        ALTER TABLE clicks RENAME TO clicks_v1;
        CREATE TABLE clicks (
            event_id BLOB NOT NULL,
            client_id TEXT,
            uid INTEGER NOT NULL,
            pid INTEGER NOT NULL,
            ts INTEGER NOT NULL);
        INSERT INTO clicks (event_id, client_id, uid, pid, ts)
            SELECT clickorleans_event_id(event_id), clickorleans_client_id(event_id), uid, pid, ts FROM clicks_v1;
        DROP TABLE clicks_v1;
        CREATE INDEX clicks_uid_ts ON clicks (uid, ts);
        CREATE TABLE drain_progress (
            private_list TEXT NOT NULL,
            partition INTEGER NOT NULL,
            committed_to INTEGER NOT NULL,
            completed_at INTEGER,
            PRIMARY KEY (private_list, partition)) WITHOUT ROWID;
        CREATE TABLE drain_refused (
            private_list TEXT NOT NULL,
            partition INTEGER NOT NULL,
            position INTEGER NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (private_list, partition, position)) WITHOUT ROWID;
        """,
    ];

    public static int Version => Migrations.Length;

    /// <returns>The migrations applied now (none when the file was current).</returns>
    public static int Migrate(SqliteConnection connection)
    {
        // The id rules of migration 2, the same code the drain uses.
        connection.CreateFunction("clickorleans_event_id", (string id) =>
            (ClickId.TryParseHex(System.Text.Encoding.UTF8.GetBytes(id), out var hex) ? hex : ClickId.FromClientId(id)).ToByteArray(bigEndian: true));
        connection.CreateFunction("clickorleans_client_id", (string id) =>
            ClickId.TryParseHex(System.Text.Encoding.UTF8.GetBytes(id), out _) ? null : id);

        using var transaction = connection.BeginTransaction(deferred: false);
        Execute(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
        using var version = connection.CreateCommand();
        version.Transaction = transaction;
        version.CommandText = "SELECT coalesce(max(version), 0) FROM schema_migrations";
        var current = (int)(long)version.ExecuteScalar()!;
        for (var next = current + 1; next <= Migrations.Length; next++)
        {
            Execute(connection, transaction, Migrations[next - 1]);
            Execute(connection, transaction,
                $"INSERT INTO schema_migrations (version, applied_at) VALUES ({next}, {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()})");
        }

        transaction.Commit();
        return Math.Max(0, Migrations.Length - current);
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
