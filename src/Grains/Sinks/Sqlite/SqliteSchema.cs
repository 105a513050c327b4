using Microsoft.Data.Sqlite;

namespace ClickOrleans.Sinks.Sqlite;

/// <summary>
/// The SQLite schema as numbered migrations, applied in order when the file is opened, each recorded in
/// <c>schema_migrations</c>. A new file runs them all; a file from an older release runs the ones it lacks.
/// </summary>
/// <remarks>
/// The first is version 2: the layout before it (a text primary key on <c>clicks</c>, no <c>schema_migrations</c>) was
/// never released, so nothing converts it; a file that holds it is refused when opened, unchanged.
/// </remarks>
internal static class SqliteSchema
{
    private const int FirstVersion = 2;

    /// <summary>Migration n is at index n - <see cref="FirstVersion"/>. Never edit one that shipped: add the next.</summary>
    private static readonly string[] Migrations =
    [
        // 2: exactly once by progress marks committed with the data, so clicks needs no unique index: 16-byte ids
        // (client ids that are not lower-case hex UUIDs become their MD5 and keep their text in client_id).
        """
        CREATE TABLE clicks (
            event_id BLOB NOT NULL,
            client_id TEXT,
            uid INTEGER NOT NULL,
            pid INTEGER NOT NULL,
            ts INTEGER NOT NULL);
        CREATE INDEX clicks_uid_ts ON clicks (uid, ts);
        CREATE TABLE product_clicks_minute (
            pid INTEGER NOT NULL,
            minute INTEGER NOT NULL,
            clicks INTEGER NOT NULL,
            PRIMARY KEY (pid, minute)) WITHOUT ROWID;
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
        // 3: declared streams: the schema versions of their tables.
        """
        CREATE TABLE stream_schemas (
            stream TEXT NOT NULL,
            version TEXT NOT NULL,
            definition TEXT NOT NULL,
            applied_at INTEGER NOT NULL,
            PRIMARY KEY (stream, version)) WITHOUT ROWID;
        """,
        // 4: the ledger: every partition write, committed with its progress mark.
        """
        CREATE TABLE drain_ledger (
            id INTEGER PRIMARY KEY,
            stream TEXT NOT NULL,
            private_list TEXT NOT NULL,
            partition INTEGER NOT NULL,
            start_position INTEGER NOT NULL,
            end_position INTEGER NOT NULL,
            events INTEGER NOT NULL,
            checksum INTEGER NOT NULL,
            committed_at INTEGER NOT NULL);
        CREATE INDEX drain_ledger_stream_committed_at ON drain_ledger (stream, committed_at);
        """,
    ];

    public static int Version => FirstVersion + Migrations.Length - 1;

    /// <returns>The migrations applied now (none when the file was current).</returns>
    public static int Migrate(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        Execute(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
        using var version = connection.CreateCommand();
        version.Transaction = transaction;
        version.CommandText = """
            SELECT coalesce(max(version), (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'clicks')) FROM schema_migrations
            """;
        var current = (int)(long)version.ExecuteScalar()!;
        if (current is > 0 and < FirstVersion)
        {
            throw new InvalidOperationException(
                $"'{connection.DataSource}' holds ClickOrleans tables without schema version {FirstVersion} (a layout no release shipped); " +
                "this release does not convert it. Drain it with the build that wrote it and delete the file, or set Clicks:Sqlite:Path to another file.");
        }

        for (var next = Math.Max(current + 1, FirstVersion); next <= Version; next++)
        {
            Execute(connection, transaction, Migrations[next - FirstVersion]);
            Execute(connection, transaction,
                $"INSERT INTO schema_migrations (version, applied_at) VALUES ({next}, {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()})");
        }

        transaction.Commit();
        return Math.Max(0, Version - Math.Max(current, FirstVersion - 1));
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
