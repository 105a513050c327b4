using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using SQLitePCL;

namespace ClickOrleans.Sinks.Sqlite;

/// <summary>
/// The embedded sink: one SQLite file in WAL mode, written by one writer at a time with prepared statements.
/// <c>ts</c> and <c>minute</c> are stored as Unix milliseconds (UTC), event ids as 16-byte blobs.
/// </summary>
public sealed class SqliteClickSink : IClickSink, IDisposable
{
    // synchronous=FULL: a commit the drain has been told about must survive a power loss, or a click would be lost.
    // A 64 MiB page cache (SQLite's default is 2 MiB) keeps the hot pages of the (uid, ts) index in memory.
    private const string Open = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000; PRAGMA cache_size=-65536;";

    // SQLITE_BUSY, SQLITE_LOCKED: another connection holds the file.
    private static readonly int[] TransientErrors = [5, 6];

    private readonly GroupCommit<SinkBatch, SinkResult> _writes;
    private readonly SqliteConnection _connection;
    private readonly string _connectionString;
    private readonly SqliteProgress _progress;
    private readonly SqliteClickInsert _insertClick;
    private readonly SqliteCommand _addToMinute;

    public SqliteClickSink(IOptions<SqliteSinkOptions> options)
    {
        var path = System.IO.Path.GetFullPath(options.Value.Path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        _connection = new SqliteConnection(_connectionString);
        _connection.Open();
        try
        {
            Execute(_connection, Open);
            // Migrated when opened: the statements below are prepared against the current schema.
            SqliteSchema.Migrate(_connection);
        }
        catch
        {
            _connection.Dispose();
            throw;
        }

        _progress = new SqliteProgress(_connection);
        _insertClick = new SqliteClickInsert(_connection);
        _addToMinute = SqliteProgress.Prepare(_connection, """
            INSERT INTO product_clicks_minute (pid, minute, clicks) VALUES ($pid, $minute, $clicks)
            ON CONFLICT (pid, minute) DO UPDATE SET clicks = clicks + excluded.clicks
            """, "$pid", "$minute", "$clicks");
        _writes = new GroupCommit<SinkBatch, SinkResult>(batches => Task.FromResult(Commit(batches)));
    }

    /// <summary>The full path of the database file.</summary>
    public string Path { get; }

    /// <summary>Nothing to do: the file was migrated when it was opened.</summary>
    public Task MigrateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        Execute(connection, "SELECT 1");
    }

    /// <remarks>
    /// SQLite has one writer, so the partitions of a chunk cannot write in parallel anyway: writes that queue
    /// while one commits are committed together, in one transaction and one fsync (group commit).
    /// </remarks>
    public Task<SinkResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken) => _writes.CommitAsync(batch);

    /// <remarks>On a connection of its own: once per list, it waits for the writer's lock (busy_timeout) rather than a turn.</remarks>
    public async Task CompleteAsync(string privateList, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        Execute(connection, "PRAGMA busy_timeout=5000;");
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var complete = connection.CreateCommand();
        complete.Transaction = transaction;
        // Marks of lists completed a week ago go: no stale drain outlives a week.
        complete.CommandText = """
            UPDATE drain_progress SET completed_at = $now WHERE private_list = $list AND completed_at IS NULL;
            DELETE FROM drain_refused WHERE private_list = $list;
            DELETE FROM drain_progress WHERE completed_at < $now - 604800000;
            """;
        complete.Parameters.AddWithValue("$list", privateList);
        complete.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await complete.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public bool IsTransient(Exception exception) => exception is SqliteException e && TransientErrors.Contains(e.SqliteErrorCode & 0xFF);

    /// <remarks>
    /// The group is written in one transaction. When SQLite refuses anything for its data — a row, a rollup, a trigger in
    /// any form — the whole group is written again isolating the refusals: each click with its rollup under a savepoint
    /// of its own, so a refusal undoes exactly that click (a <c>RAISE(FAIL)</c> after the insert keeps no row). A
    /// refusal that ends the transaction itself (<c>RAISE(ROLLBACK)</c>) is remembered and the group starts over
    /// without that click: nothing is ever written outside the group's transaction.
    /// </remarks>
    private SinkResult[] Commit(IReadOnlyList<SinkBatch> batches)
    {
        try
        {
            return Commit(batches, isolated: null);
        }
        catch (StoreRefusal)
        {
            var isolated = new Dictionary<(int Batch, long Position), string>();
            while (true)
            {
                try
                {
                    return Commit(batches, isolated);
                }
                catch (StoreRefusal refusal) when (refusal.EndedTransaction)
                {
                    isolated.Add((refusal.Batch, refusal.Position), refusal.Reason);
                }
            }
        }
    }

    /// <param name="isolated">Null: the fast path, which gives up at the first refusal. Otherwise each click under a
    /// savepoint, and the clicks whose refusal ended the transaction on an earlier attempt, with its reason.</param>
    private SinkResult[] Commit(IReadOnlyList<SinkBatch> batches, Dictionary<(int Batch, long Position), string>? isolated)
    {
        using var transaction = _connection.BeginTransaction();
        _addToMinute.Transaction = transaction;

        var perMinute = isolated is null ? new MinuteCounts() : null;
        var results = new SinkResult[batches.Count];
        for (var i = 0; i < batches.Count; i++)
        {
            results[i] = Write(transaction, i, batches[i], perMinute, isolated);
        }

        if (perMinute is not null)
        {
            var (pids, minutes, clicks) = perMinute.Ordered();
            for (var i = 0; i < pids.Length; i++)
            {
                if (TryAddToMinute(pids[i], minutes[i], clicks[i]) is { } error)
                {
                    throw new StoreRefusal(-1, -1, error, TransactionEnded);
                }
            }
        }

        transaction.Commit();
        return results;
    }

    /// <summary>One batch inside the group's transaction: batches of the same list and partition apply one after the other.</summary>
    private SinkResult Write(
        SqliteTransaction transaction, int index, SinkBatch batch, MinuteCounts? perMinute, Dictionary<(int Batch, long Position), string>? isolated)
    {
        var progress = _progress.Lock(transaction, batch);
        var refusedBefore = progress.Skips(batch) ? _progress.ReadRefused(transaction, batch, progress) : [];
        var unwritten = progress.Unwritten(batch, batch.Clicks);
        var refused = new List<RefusedEvent>();
        foreach (var click in unwritten)
        {
            if (isolated is null)
            {
                if (!_insertClick.TryInsert(click, out var error))
                {
                    throw new StoreRefusal(index, click.Position, error, TransactionEnded);
                }

                perMinute!.Add(click);
            }
            else if (isolated.TryGetValue((index, click.Position), out var reason))
            {
                refused.Add(new RefusedEvent(click.Position, reason));
            }
            else if (WriteUnderSavepoint(transaction, click) is { } error)
            {
                if (TransactionEnded)
                {
                    throw new StoreRefusal(index, click.Position, error, endedTransaction: true);
                }

                refused.Add(new RefusedEvent(click.Position, error));
            }
        }

        if (unwritten.Length > 0)
        {
            _progress.Finish(transaction, batch, refused);
        }

        return PartitionProgress.Result(batch, unwritten.Length, refused, refusedBefore);
    }

    /// <returns>Null when the click and its rollup are written; else the store's reason, with both undone (unless the
    /// refusal ended the transaction, <see cref="TransactionEnded"/>).</returns>
    private string? WriteUnderSavepoint(SqliteTransaction transaction, in StagedClick click)
    {
        const string savepoint = "click";
        transaction.Save(savepoint);
        var error = _insertClick.TryInsert(click, out var refusal)
            ? TryAddToMinute(click.Pid, MinuteCounts.MinuteOf(click.TimestampMs), 1)
            : refusal;
        if (TransactionEnded)
        {
            return error;
        }

        if (error is not null)
        {
            transaction.Rollback(savepoint);
        }

        transaction.Release(savepoint);
        return error;
    }

    /// <returns>Null when added; the store's reason when it refused the rollup for its data.</returns>
    private string? TryAddToMinute(long pid, long minuteMs, long clicks)
    {
        _addToMinute.Parameters[0].Value = pid;
        _addToMinute.Parameters[1].Value = minuteMs;
        _addToMinute.Parameters[2].Value = clicks;
        try
        {
            _addToMinute.ExecuteNonQuery();
            return null;
        }
        catch (SqliteException e) when (SqliteClickInsert.IsDataError(e.SqliteErrorCode))
        {
            return e.Message;
        }
    }

    /// <summary>Whether a trigger's <c>RAISE(ROLLBACK)</c> ended the group's transaction: the connection is back in autocommit mode.</summary>
    private bool TransactionEnded => raw.sqlite3_get_autocommit(_connection.Handle) != 0;

    public void Dispose()
    {
        _progress.Dispose();
        _addToMinute.Dispose();
        _insertClick.Dispose();

        _connection.Dispose();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

/// <summary>SQLite refused a click (at <see cref="Position"/> of batch <see cref="Batch"/>; -1: a rollup of the group) for its data.</summary>
file sealed class StoreRefusal(int batch, long position, string reason, bool endedTransaction) : Exception(reason)
{
    public int Batch => batch;

    public long Position => position;

    public string Reason => Message;

    public bool EndedTransaction => endedTransaction;
}
