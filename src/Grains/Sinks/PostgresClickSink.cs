using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ClickOrleans.Sinks;

/// <summary>
/// The PostgreSQL sink: binary COPY into a temporary table, then one set-based merge into <c>clicks</c> and
/// <c>product_clicks_minute</c>, all in one transaction.
/// </summary>
public sealed class PostgresClickSink : IClickSink
{
    private const string CreateLoadTable = """
        CREATE TEMP TABLE IF NOT EXISTS click_load (event_id text, uid bigint, pid bigint, ts timestamptz)
        ON COMMIT DELETE ROWS
        """;

    private const string CopyIntoLoadTable = "COPY click_load (event_id, uid, pid, ts) FROM STDIN (FORMAT BINARY)";

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;
    private readonly string _merge;

    public PostgresClickSink(NpgsqlDataSource dataSource, IOptions<PostgresSinkOptions> options)
    {
        _dataSource = dataSource;
        _schema = options.Value.Schema;
        _merge = string.Format(System.Globalization.CultureInfo.InvariantCulture, MergeTemplate, _schema);
    }

    // Rows are inserted in event id order so that two transactions that share ids lock them in the same order.
    // Event ids are opaque: byte order (COLLATE "C") is right for them and spares the locale's strcoll per comparison.
    // The rollup counts only what the insert returned: a replayed event adds nothing.
    private const string MergeTemplate = """
        WITH inserted AS (
            INSERT INTO {0}.clicks (event_id, uid, pid, ts)
            SELECT event_id, uid, pid, ts FROM click_load ORDER BY event_id COLLATE "C"
            ON CONFLICT (event_id) DO NOTHING
            RETURNING pid, ts),
        rolled_up AS (
            INSERT INTO {0}.product_clicks_minute AS m (pid, minute, clicks)
            SELECT pid, date_trunc('minute', ts), count(*) FROM inserted GROUP BY 1, 2
            ON CONFLICT (pid, minute) DO UPDATE SET clicks = m.clicks + EXCLUDED.clicks)
        SELECT count(*) FROM inserted
        """;

    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Silos start together: the advisory lock keeps their CREATE ... IF NOT EXISTS from racing.
        await using var command = new NpgsqlCommand($"""
            SELECT pg_advisory_xact_lock(4242001);
            CREATE SCHEMA IF NOT EXISTS {_schema};
            CREATE TABLE IF NOT EXISTS {_schema}.clicks (
                event_id text COLLATE "C" PRIMARY KEY,
                uid bigint NOT NULL,
                pid bigint NOT NULL,
                ts timestamptz NOT NULL);
            CREATE INDEX IF NOT EXISTS clicks_uid_ts ON {_schema}.clicks (uid, ts);
            CREATE TABLE IF NOT EXISTS {_schema}.product_clicks_minute (
                pid bigint NOT NULL,
                minute timestamptz NOT NULL,
                clicks bigint NOT NULL,
                PRIMARY KEY (pid, minute));
            """, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync(cancellationToken);
    }

    public async Task<SinkResult> WriteAsync(Click[] clicks, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var create = new NpgsqlCommand(CreateLoadTable, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(CopyIntoLoadTable, cancellationToken))
        {
            foreach (var click in clicks)
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(click.Id, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(click.Uid, NpgsqlDbType.Bigint, cancellationToken);
                await copy.WriteAsync(click.Pid, NpgsqlDbType.Bigint, cancellationToken);
                await copy.WriteAsync(DateTimeOffset.FromUnixTimeMilliseconds(click.TimestampMs), NpgsqlDbType.TimestampTz, cancellationToken);
            }

            await copy.CompleteAsync(cancellationToken);
        }

        long written;
        await using (var merge = new NpgsqlCommand(_merge, connection, transaction))
        {
            written = (long)(await merge.ExecuteScalarAsync(cancellationToken))!;
        }

        await transaction.CommitAsync(cancellationToken);
        return new SinkResult((int)written, clicks.Length - (int)written);
    }
}
