using Microsoft.Extensions.Options;
using Npgsql;

namespace ClickOrleans.Sinks.Postgres;

/// <summary>
/// The PostgreSQL sink. One transaction per partition write: lock the partition's progress mark, binary COPY the
/// clicks above it into <c>clicks</c>, upsert their per-minute counts, move the mark. A refusal of the data anywhere in
/// that transaction becomes a refused click, never a failed write. Writers of the same private list
/// and partition queue on the mark's row lock; a replay finds the mark past its clicks and writes nothing twice.
/// </summary>
public sealed class PostgresClickSink : IClickSink
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;
    private readonly PostgresProgress _progress;
    private readonly string _copy;
    private readonly string _addToRollups;
    private readonly string[] _complete;

    public PostgresClickSink(NpgsqlDataSource dataSource, IOptions<PostgresSinkOptions> options)
    {
        _dataSource = dataSource;
        var schema = _schema = options.Value.Schema;
        _progress = new PostgresProgress(schema);
        _copy = $"COPY {schema}.clicks {ClickCopyRows.Columns} FROM STDIN (FORMAT BINARY)";
        _addToRollups = $"""
            INSERT INTO {schema}.product_clicks_minute AS m (pid, minute, clicks)
            SELECT pid, to_timestamp(minute_ms / 1000.0), clicks FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS r (pid, minute_ms, clicks)
            ON CONFLICT (pid, minute) DO UPDATE SET clicks = m.clicks + EXCLUDED.clicks
            """;
        // Marks of lists completed a week ago go: no stale drain outlives a week.
        _complete =
        [
            $"UPDATE {schema}.drain_progress SET completed_at = now() WHERE private_list = $1 AND completed_at IS NULL",
            $"DELETE FROM {schema}.drain_refused WHERE private_list = $1",
            $"DELETE FROM {schema}.drain_progress WHERE completed_at < now() - interval '7 days'",
        ];
    }

    public Task MigrateAsync(CancellationToken cancellationToken) => PostgresSchema.MigrateAsync(_dataSource, _schema, cancellationToken);

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <remarks>
    /// The whole batch goes in one COPY and one rollup upsert. When PostgreSQL refuses any statement of the write for its
    /// data (a row, a rollup, a deferred constraint at COMMIT), the transaction is rolled back and the write starts over
    /// isolating the refused clicks: with every constraint checked at once, halves of the batch are copied and rolled up
    /// under savepoints, recursively, until each refused click stands alone.
    /// </remarks>
    public async Task<SinkResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return await WriteAsync(connection, batch, isolateRefused: false, cancellationToken);
        }
        catch (PostgresException e) when (PostgresProgress.IsDataError(e))
        {
            return await WriteAsync(connection, batch, isolateRefused: true, cancellationToken);
        }
    }

    public async Task CompleteAsync(string privateList, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var complete = new NpgsqlBatch(connection);
        complete.BatchCommands.Add(PostgresProgress.Command(_complete[0], new NpgsqlParameter<string> { TypedValue = privateList }));
        complete.BatchCommands.Add(PostgresProgress.Command(_complete[1], new NpgsqlParameter<string> { TypedValue = privateList }));
        complete.BatchCommands.Add(PostgresProgress.Command(_complete[2]));
        await complete.ExecuteNonQueryAsync(cancellationToken);
    }

    public bool IsTransient(Exception exception) => exception is NpgsqlException { IsTransient: true } or TimeoutException;

    private async Task<SinkResult> WriteAsync(NpgsqlConnection connection, SinkBatch batch, bool isolateRefused, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var progress = await _progress.LockAsync(connection, transaction, batch, cancellationToken);
        var unwritten = progress.Unwritten(batch, batch.Clicks);
        var refusedBefore = progress.Skips(batch) ? await _progress.ReadRefusedAsync(connection, transaction, batch, progress, cancellationToken) : [];
        var refused = new List<RefusedEvent>();
        if (unwritten.Length > 0)
        {
            if (isolateRefused)
            {
                await ExecuteAsync(connection, transaction, PostgresProgress.CheckConstraintsNow, cancellationToken);
                await PostgresProgress.IsolateAsync<StagedClick>(transaction, unwritten, async clicks =>
                {
                    await CopyAsync(connection, clicks, cancellationToken);
                    await using var rollups = new NpgsqlBatch(connection, transaction);
                    rollups.BatchCommands.Add(AddToRollups(MinuteCounts.Of(clicks.Span)));
                    await rollups.ExecuteNonQueryAsync(cancellationToken);
                }, refused, cancellationToken);
                await FinishAsync(connection, transaction, batch, rollups: null, refused, cancellationToken);
            }
            else
            {
                await CopyAsync(connection, unwritten, cancellationToken);
                await FinishAsync(connection, transaction, batch, MinuteCounts.Of(unwritten), refused, cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return PartitionProgress.Result(batch, unwritten.Length, refused, refusedBefore);
    }

    private async Task CopyAsync(NpgsqlConnection connection, ReadOnlyMemory<StagedClick> clicks, CancellationToken cancellationToken)
    {
        using var rows = new ClickCopyRows(clicks.Span);
        await using var copy = await connection.BeginRawBinaryCopyAsync(_copy, cancellationToken);
        await copy.WriteAsync(rows.Data, cancellationToken);
    }

    /// <summary>The rollups of what was written (null: added already), the new mark and the refused clicks: one round trip.</summary>
    private async Task FinishAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, SinkBatch batch, MinuteCounts? rollups,
        List<RefusedEvent> refused, CancellationToken cancellationToken)
    {
        await using var finish = new NpgsqlBatch(connection, transaction);
        if (rollups is { Count: > 0 })
        {
            finish.BatchCommands.Add(AddToRollups(rollups));
        }

        _progress.AddFinish(finish, batch, refused);

        await finish.ExecuteNonQueryAsync(cancellationToken);
    }

    private NpgsqlBatchCommand AddToRollups(MinuteCounts counts)
    {
        var (pids, minutes, clicks) = counts.Ordered();
        return PostgresProgress.Command(_addToRollups, new NpgsqlParameter<long[]> { TypedValue = pids },
            new NpgsqlParameter<long[]> { TypedValue = minutes }, new NpgsqlParameter<long[]> { TypedValue = clicks });
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
