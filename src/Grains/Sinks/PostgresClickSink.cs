using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ClickOrleans.Sinks;

/// <summary>
/// The PostgreSQL sink: binary COPY into <c>clicks</c> and one upsert of the batch's per-minute counts into
/// <c>product_clicks_minute</c>, in one transaction; a replayed batch is merged instead, adding only what is new.
/// </summary>
public sealed class PostgresClickSink : IClickSink
{
    private const string CreateLoadTable = """
        CREATE TEMP TABLE IF NOT EXISTS click_load (event_id text, uid bigint, pid bigint, ts timestamptz)
        ON COMMIT DELETE ROWS
        """;

    private const string CopyIntoLoadTable = "COPY click_load (event_id, uid, pid, ts) FROM STDIN (FORMAT BINARY)";

    private const string FirstDelivery = "first_delivery";

    // Rows go in event id order, so that two transactions sharing ids lock them in the same order (no deadlock).
    private static readonly Comparer<Click> ByEventId = Comparer<Click>.Create((x, y) => string.CompareOrdinal(x.Id, y.Id));

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;
    private readonly string _merge;
    private readonly string _copyIntoClicks;
    private readonly string _addToRollups;

    public PostgresClickSink(NpgsqlDataSource dataSource, IOptions<PostgresSinkOptions> options)
    {
        _dataSource = dataSource;
        _schema = options.Value.Schema;
        _merge = string.Format(System.Globalization.CultureInfo.InvariantCulture, MergeTemplate, _schema);
        _copyIntoClicks = $"COPY {_schema}.clicks (event_id, uid, pid, ts) FROM STDIN (FORMAT BINARY)";
        _addToRollups = $"""
            INSERT INTO {_schema}.product_clicks_minute AS m (pid, minute, clicks)
            SELECT * FROM unnest($1, $2, $3)
            ON CONFLICT (pid, minute) DO UPDATE SET clicks = m.clicks + EXCLUDED.clicks
            """;
    }

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

    /// <remarks>
    /// The first delivery of a batch, by far the common case, is copied straight into <c>clicks</c> and its rollups
    /// counted here. A replay (a crash between the sink's commit and Redis') fails that copy on the primary key; the
    /// transaction then falls back to its savepoint and merges through the load table, counting only new rows.
    /// </remarks>
    public async Task<SinkResult> WriteAsync(Click[] clicks, CancellationToken cancellationToken)
    {
        var ordered = clicks.ToArray();
        Array.Sort(ordered, ByEventId);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await transaction.SaveAsync(FirstDelivery, cancellationToken);
        long written;
        try
        {
            await CopyAsync(connection, _copyIntoClicks, ordered, cancellationToken);
            await AddToRollupsAsync(connection, transaction, ordered, cancellationToken);
            written = ordered.Length;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await transaction.RollbackAsync(FirstDelivery, cancellationToken);
            written = await MergeAsync(connection, transaction, ordered, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new SinkResult((int)written, clicks.Length - (int)written);
    }

    private async Task<long> MergeAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Click[] clicks, CancellationToken cancellationToken)
    {
        await using (var create = new NpgsqlCommand(CreateLoadTable, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await CopyAsync(connection, CopyIntoLoadTable, clicks, cancellationToken);
        await using var merge = new NpgsqlCommand(_merge, connection, transaction);
        return (long)(await merge.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task AddToRollupsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Click[] clicks, CancellationToken cancellationToken)
    {
        var rollups = MinuteCounts.Of(clicks).Ordered().ToArray();
        await using var upsert = new NpgsqlCommand(_addToRollups, connection, transaction);
        upsert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rollups.Select(r => r.Pid)] });
        upsert.Parameters.Add(new NpgsqlParameter<DateTime[]>
        {
            TypedValue = [.. rollups.Select(r => DateTime.UnixEpoch.AddMilliseconds(r.MinuteMs))],
        });
        upsert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rollups.Select(r => r.Clicks)] });
        await upsert.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task CopyAsync(NpgsqlConnection connection, string copyCommand, Click[] clicks, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync(copyCommand, cancellationToken);
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
}
