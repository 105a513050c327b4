using Npgsql;

namespace ClickOrleans.Sinks.Postgres;

/// <summary>
/// The PostgreSQL schema as numbered migrations, applied in order at silo start under an advisory lock, each recorded in
/// <c>schema_migrations</c>. An empty schema runs them all; a schema from an older release runs the ones it lacks.
/// </summary>
internal static class PostgresSchema
{
    private const string SchemaPlaceholder = "{schema}";

    /// <summary>Migration n is at index n - 1. Never edit one that shipped: add the next.</summary>
    private static readonly string[] Migrations =
    [
        // 1: the first release's tables (a text primary key deduplicated replays). IF NOT EXISTS: databases of that
        // release, which had no schema_migrations table, take it as applied.
        """
        CREATE TABLE IF NOT EXISTS {schema}.clicks (
            event_id text COLLATE "C" PRIMARY KEY,
            uid bigint NOT NULL,
            pid bigint NOT NULL,
            ts timestamptz NOT NULL);
        CREATE INDEX IF NOT EXISTS clicks_uid_ts ON {schema}.clicks (uid, ts);
        CREATE TABLE IF NOT EXISTS {schema}.product_clicks_minute (
            pid bigint NOT NULL,
            minute timestamptz NOT NULL,
            clicks bigint NOT NULL,
            PRIMARY KEY (pid, minute));
        """,

        // 2: exactly once by progress marks committed with the data, so clicks needs no unique index: 16-byte uuid ids
        // (client ids that are not lower-case hex UUIDs become md5(id) and keep their text in client_id).
        """
        ALTER TABLE {schema}.clicks RENAME TO clicks_v1;
        ALTER INDEX {schema}.clicks_uid_ts RENAME TO clicks_v1_uid_ts;
        CREATE TABLE {schema}.clicks (
            event_id uuid NOT NULL,
            client_id text,
            uid bigint NOT NULL,
            pid bigint NOT NULL,
            ts timestamptz NOT NULL);
        INSERT INTO {schema}.clicks (event_id, client_id, uid, pid, ts)
            SELECT CASE WHEN event_id ~ '^[0-9a-f]{32}$' THEN event_id::uuid ELSE md5(event_id)::uuid END,
                   CASE WHEN event_id ~ '^[0-9a-f]{32}$' THEN NULL ELSE event_id END,
                   uid, pid, ts
            FROM {schema}.clicks_v1;
        DROP TABLE {schema}.clicks_v1;
        CREATE INDEX clicks_uid_ts ON {schema}.clicks (uid, ts);
        CREATE TABLE {schema}.drain_progress (
            private_list text COLLATE "C" NOT NULL,
            partition int NOT NULL,
            committed_to bigint NOT NULL,
            completed_at timestamptz,
            PRIMARY KEY (private_list, partition));
        CREATE TABLE {schema}.drain_refused (
            private_list text COLLATE "C" NOT NULL,
            partition int NOT NULL,
            position bigint NOT NULL,
            reason text NOT NULL,
            PRIMARY KEY (private_list, partition, position));
        """,
    ];

    public static int Version => Migrations.Length;

    /// <returns>The migrations applied now (none when the schema was current).</returns>
    public static async Task<int> MigrateAsync(NpgsqlDataSource dataSource, string schema, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Silos start together: the lock makes one of them migrate and the others find the schema current.
        await using (var prepare = new NpgsqlCommand($"""
            SELECT pg_advisory_xact_lock(hashtext('clickorleans-schema:{schema}'));
            CREATE SCHEMA IF NOT EXISTS {schema};
            CREATE TABLE IF NOT EXISTS {schema}.schema_migrations (
                version int PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now());
            """, connection, transaction))
        {
            await prepare.ExecuteNonQueryAsync(cancellationToken);
        }

        int current;
        await using (var version = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {schema}.schema_migrations", connection, transaction))
        {
            current = (int)(await version.ExecuteScalarAsync(cancellationToken))!;
        }

        for (var next = current + 1; next <= Migrations.Length; next++)
        {
            await using var migrate = new NpgsqlCommand(
                Migrations[next - 1].Replace(SchemaPlaceholder, schema, StringComparison.Ordinal) +
                $";\nINSERT INTO {schema}.schema_migrations (version) VALUES ({next});",
                connection,
                transaction)
            {
                CommandTimeout = 0, // a large table takes as long as it takes; the lock keeps other silos waiting
            };
            await migrate.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return Math.Max(0, Migrations.Length - current);
    }
}
