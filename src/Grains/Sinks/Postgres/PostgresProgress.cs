using Npgsql;

namespace ClickOrleans.Sinks.Postgres;

/// <summary>
/// The progress marks every PostgreSQL write keeps (<c>drain_progress</c>, <c>drain_refused</c>, <c>drain_ledger</c>),
/// whatever stream it writes: the mark locked at the start of the write's transaction, the refusals of an earlier write
/// of its range, the new mark, this write's refusals and its ledger entry at its end, and the isolation of refused
/// events under savepoints.
/// </summary>
internal sealed class PostgresProgress
{
    private readonly string _lock;
    private readonly string _readRefused;
    private readonly string _moveMark;
    private readonly string _recordRefused;
    private readonly string _recordLedger;

    public PostgresProgress(string schema)
    {
        // The no-op update takes the row lock whether the row is new or not.
        _lock = $"""
            INSERT INTO {schema}.drain_progress AS p (private_list, partition, committed_to) VALUES ($1, $2, 0)
            ON CONFLICT (private_list, partition) DO UPDATE SET committed_to = p.committed_to
            RETURNING committed_to, completed_at IS NOT NULL
            """;
        _readRefused = $"SELECT position, reason FROM {schema}.drain_refused WHERE private_list = $1 AND partition = $2 AND position >= $3 AND position < $4";
        _moveMark = $"UPDATE {schema}.drain_progress SET committed_to = $3 WHERE private_list = $1 AND partition = $2";
        _recordRefused = $"""
            INSERT INTO {schema}.drain_refused (private_list, partition, position, reason)
            SELECT $1, $2, position, reason FROM unnest($3::bigint[], $4::text[]) AS r (position, reason)
            """;
        _recordLedger = $"""
            INSERT INTO {schema}.drain_ledger (stream, private_list, partition, start_position, end_position, events, checksum)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """;
    }

    /// <summary>Deferred constraints too are checked per statement, so that a savepoint catches what COMMIT would refuse.</summary>
    public const string CheckConstraintsNow = "SET CONSTRAINTS ALL IMMEDIATE";

    /// <summary>Errors about the data: a failed constraint (class 23), a bad value (class 22), a trigger's RAISE (P0001).</summary>
    public static bool IsDataError(PostgresException e) =>
        (e.SqlState.StartsWith("22", StringComparison.Ordinal) || e.SqlState.StartsWith("23", StringComparison.Ordinal) || e.SqlState == "P0001")
        && !PostgresPartitions.IsMissing(e);

    /// <summary>Locks the partition's mark for the transaction: writers of the same list and partition queue here.</summary>
    public async Task<PartitionProgress> LockAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IPartitionWrite batch, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_lock, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = batch.PrivateList });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batch.Partition });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new PartitionProgress(reader.GetInt64(0), reader.GetBoolean(1));
    }

    /// <summary>What an earlier write of the batch's range refused, below the mark: reported again with the skipped events.</summary>
    public async Task<List<RefusedEvent>> ReadRefusedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IPartitionWrite batch, PartitionProgress progress, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_readRefused, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = batch.PrivateList });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batch.Partition });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = batch.ChunkStart });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Math.Min(batch.ChunkEnd, progress.CommittedTo) });
        var refused = new List<RefusedEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            refused.Add(new RefusedEvent(reader.GetInt64(0), reader.GetString(1)));
        }

        return refused;
    }

    /// <summary>Adds the new mark, this write's refusals and its ledger entry to the batch that ends the write.</summary>
    public void AddFinish(NpgsqlBatch finish, EventBatch batch, LedgerCommit ledger, List<RefusedEvent> refused)
    {
        finish.BatchCommands.Add(Command(_recordLedger, new NpgsqlParameter<string> { TypedValue = batch.Stream },
            new NpgsqlParameter<string> { TypedValue = batch.PrivateList }, new NpgsqlParameter<int> { TypedValue = batch.Partition },
            new NpgsqlParameter<long> { TypedValue = ledger.Start }, new NpgsqlParameter<long> { TypedValue = batch.ChunkEnd },
            new NpgsqlParameter<int> { TypedValue = ledger.Events }, new NpgsqlParameter<long> { TypedValue = ledger.Checksum }));
        finish.BatchCommands.Add(Command(_moveMark, new NpgsqlParameter<string> { TypedValue = batch.PrivateList },
            new NpgsqlParameter<int> { TypedValue = batch.Partition }, new NpgsqlParameter<long> { TypedValue = batch.ChunkEnd }));
        if (refused.Count > 0)
        {
            finish.BatchCommands.Add(Command(_recordRefused, new NpgsqlParameter<string> { TypedValue = batch.PrivateList },
                new NpgsqlParameter<int> { TypedValue = batch.Partition },
                new NpgsqlParameter<long[]> { TypedValue = [.. refused.Select(r => r.Position)] },
                new NpgsqlParameter<string[]> { TypedValue = [.. refused.Select(r => r.Reason)] }));
        }
    }

    /// <summary>
    /// Writes the rows under a savepoint; what the store refuses is halved, recursively, until each refused row stands
    /// alone and is added to <paramref name="refused"/>. Run with <see cref="CheckConstraintsNow"/> in force.
    /// </summary>
    /// <param name="rows">Rows of <paramref name="events"/>.</param>
    public static async Task IsolateAsync(
        NpgsqlTransaction transaction, EventRows events, ReadOnlyMemory<int> rows, Func<ReadOnlyMemory<int>, Task> write, List<RefusedEvent> refused,
        CancellationToken cancellationToken)
    {
        const string savepoint = "isolate";
        await transaction.SaveAsync(savepoint, cancellationToken);
        try
        {
            await write(rows);
            await transaction.ReleaseAsync(savepoint, cancellationToken);
        }
        catch (PostgresException e) when (IsDataError(e))
        {
            await transaction.RollbackAsync(savepoint, cancellationToken);
            await transaction.ReleaseAsync(savepoint, cancellationToken);
            if (rows.Length == 1)
            {
                refused.Add(new RefusedEvent(events.Positions[rows.Span[0]], $"{e.SqlState}: {e.MessageText}"));
                return;
            }

            var half = rows.Length / 2;
            await IsolateAsync(transaction, events, rows[..half], write, refused, cancellationToken);
            await IsolateAsync(transaction, events, rows[half..], write, refused, cancellationToken);
        }
    }

    public static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }
}
