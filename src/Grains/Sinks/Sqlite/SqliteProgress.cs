using Microsoft.Data.Sqlite;

namespace ClickOrleans.Sinks.Sqlite;

/// <summary>
/// The progress marks every SQLite write keeps (<c>drain_progress</c>, <c>drain_refused</c>, <c>drain_ledger</c>),
/// whatever stream it writes, as statements prepared on the writer's connection: the mark taken at the start of the
/// write's transaction, the refusals of an earlier write of its range, and the new mark with this write's refusals and
/// its ledger entry at its end.
/// </summary>
internal sealed class SqliteProgress : IDisposable
{
    private readonly SqliteCommand _lock;
    private readonly SqliteCommand _readRefused;
    private readonly SqliteCommand _moveMark;
    private readonly SqliteCommand _recordRefused;
    private readonly SqliteCommand _recordLedger;

    public SqliteProgress(SqliteConnection connection)
    {
        _lock = Prepare(connection, """
            INSERT INTO drain_progress (private_list, partition, committed_to) VALUES ($list, $partition, 0)
            ON CONFLICT (private_list, partition) DO UPDATE SET committed_to = committed_to
            RETURNING committed_to, completed_at IS NOT NULL
            """, "$list", "$partition");
        _readRefused = Prepare(connection,
            "SELECT position, reason FROM drain_refused WHERE private_list = $list AND partition = $partition AND position >= $from AND position < $to",
            "$list", "$partition", "$from", "$to");
        _moveMark = Prepare(connection,
            "UPDATE drain_progress SET committed_to = $to WHERE private_list = $list AND partition = $partition", "$list", "$partition", "$to");
        _recordRefused = Prepare(connection,
            "INSERT INTO drain_refused (private_list, partition, position, reason) VALUES ($list, $partition, $position, $reason)",
            "$list", "$partition", "$position", "$reason");
        _recordLedger = Prepare(connection, """
            INSERT INTO drain_ledger (private_list, partition, stream, start_position, end_position, events, checksum, committed_at)
            VALUES ($list, $partition, $stream, $start, $end, $events, $checksum, $now)
            """, "$list", "$partition", "$stream", "$start", "$end", "$events", "$checksum", "$now");
    }

    public PartitionProgress Lock(SqliteTransaction transaction, IPartitionWrite batch)
    {
        SetList(_lock, transaction, batch);
        using var reader = _lock.ExecuteReader();
        reader.Read();
        return new PartitionProgress(reader.GetInt64(0), reader.GetBoolean(1));
    }

    /// <summary>What an earlier write of the batch's range refused, below the mark: reported again with the skipped events.</summary>
    public List<RefusedEvent> ReadRefused(SqliteTransaction transaction, IPartitionWrite batch, PartitionProgress progress)
    {
        SetList(_readRefused, transaction, batch);
        _readRefused.Parameters[2].Value = batch.ChunkStart;
        _readRefused.Parameters[3].Value = Math.Min(batch.ChunkEnd, progress.CommittedTo);
        var refused = new List<RefusedEvent>();
        using var reader = _readRefused.ExecuteReader();
        while (reader.Read())
        {
            refused.Add(new RefusedEvent(reader.GetInt64(0), reader.GetString(1)));
        }

        return refused;
    }

    /// <summary>The new mark, this write's refusals and its ledger entry.</summary>
    public void Finish(SqliteTransaction transaction, EventBatch batch, LedgerCommit ledger, List<RefusedEvent> refused)
    {
        SetList(_recordLedger, transaction, batch);
        _recordLedger.Parameters[2].Value = batch.Stream;
        _recordLedger.Parameters[3].Value = ledger.Start;
        _recordLedger.Parameters[4].Value = batch.ChunkEnd;
        _recordLedger.Parameters[5].Value = ledger.Events;
        _recordLedger.Parameters[6].Value = ledger.Checksum;
        _recordLedger.Parameters[7].Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _recordLedger.ExecuteNonQuery();
        SetList(_moveMark, transaction, batch);
        _moveMark.Parameters[2].Value = batch.ChunkEnd;
        _moveMark.ExecuteNonQuery();
        SetList(_recordRefused, transaction, batch);
        foreach (var row in refused)
        {
            _recordRefused.Parameters[2].Value = row.Position;
            _recordRefused.Parameters[3].Value = row.Reason;
            _recordRefused.ExecuteNonQuery();
        }
    }

    public void Dispose()
    {
        _lock.Dispose();
        _readRefused.Dispose();
        _moveMark.Dispose();
        _recordRefused.Dispose();
        _recordLedger.Dispose();
    }

    private static void SetList(SqliteCommand command, SqliteTransaction transaction, IPartitionWrite batch)
    {
        command.Transaction = transaction;
        command.Parameters[0].Value = batch.PrivateList;
        command.Parameters[1].Value = batch.Partition;
    }

    /// <summary>A statement prepared on the connection, with its named parameters in order.</summary>
    public static SqliteCommand Prepare(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = parameter });
        }

        command.Prepare();
        return command;
    }
}
