using Npgsql;

namespace ClickOrleans.Sinks.Postgres;

/// <summary>
/// The PostgreSQL schema as numbered migrations, applied in order at silo start under an advisory lock, each recorded in
/// <c>schema_migrations</c>. An empty schema runs them all; a schema from an older release runs the ones it lacks.
/// </summary>
/// <remarks>
/// The first is version 2: the layout before it (a text primary key on <c>clicks</c>, no <c>schema_migrations</c>) was
/// never released, so nothing converts it; a schema that holds it is refused at start, unchanged.
/// </remarks>
internal static class PostgresSchema
{
    private const string SchemaPlaceholder = "{schema}";
    private const int FirstVersion = 2;

    /// <summary>Migration n is at index n - <see cref="FirstVersion"/>. Never edit one that shipped: add the next.</summary>
    private static readonly string[] Migrations =
    [
        // 2: exactly once by progress marks committed with the data, so clicks needs no unique index: 16-byte uuid ids
        // (client ids that are not lower-case hex UUIDs become md5(id) and keep their text in client_id).
        """
        CREATE TABLE {schema}.clicks (
            event_id uuid NOT NULL,
            client_id text,
            uid bigint NOT NULL,
            pid bigint NOT NULL,
            ts timestamptz NOT NULL);
        CREATE INDEX clicks_uid_ts ON {schema}.clicks (uid, ts);
        CREATE TABLE {schema}.product_clicks_minute (
            pid bigint NOT NULL,
            minute timestamptz NOT NULL,
            clicks bigint NOT NULL,
            PRIMARY KEY (pid, minute));
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
        // 3: declared streams: the schema versions of their tables.
        """
        CREATE TABLE {schema}.stream_schemas (
            stream text COLLATE "C" NOT NULL,
            version text NOT NULL,
            definition text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (stream, version));
        """,
        // 4: the ledger: every partition write, committed with its progress mark.
        """
        CREATE TABLE {schema}.drain_ledger (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            stream text COLLATE "C" NOT NULL,
            private_list text COLLATE "C" NOT NULL,
            partition int NOT NULL,
            start_position bigint NOT NULL,
            end_position bigint NOT NULL,
            events int NOT NULL,
            checksum bigint NOT NULL,
            committed_at timestamptz NOT NULL DEFAULT clock_timestamp());
        CREATE INDEX drain_ledger_stream_committed_at ON {schema}.drain_ledger (stream, committed_at);
        """,
    ];

    public static int Version => FirstVersion + Migrations.Length - 1;

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
        await using (var version = new NpgsqlCommand(
            $"SELECT coalesce(max(version), CASE WHEN to_regclass('{schema}.clicks') IS NULL THEN 0 ELSE 1 END) FROM {schema}.schema_migrations",
            connection, transaction))
        {
            current = (int)(await version.ExecuteScalarAsync(cancellationToken))!;
        }

        if (current is > 0 and < FirstVersion)
        {
            throw new InvalidOperationException(
                $"The schema '{schema}' holds ClickOrleans tables without schema version {FirstVersion} (a layout no release shipped); " +
                "this release does not convert it. Drain it with the build that wrote it and drop its tables, or set Clicks:Postgres:Schema to another schema.");
        }

        for (var next = Math.Max(current + 1, FirstVersion); next <= Version; next++)
        {
            await using var migrate = new NpgsqlCommand(
                Migrations[next - FirstVersion].Replace(SchemaPlaceholder, schema, StringComparison.Ordinal) +
                $";\nINSERT INTO {schema}.schema_migrations (version) VALUES ({next});",
                connection,
                transaction)
            {
                CommandTimeout = 0, // a large table takes as long as it takes; the lock keeps other silos waiting
            };
            await migrate.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return Math.Max(0, Version - Math.Max(current, FirstVersion - 1));
    }
}
