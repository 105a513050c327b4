using ClickOrleans.Streams;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using SQLitePCL;

namespace ClickOrleans.Sinks.Sqlite;

/// <summary>
/// The embedded sink: one SQLite file in WAL mode, written by one writer at a time with prepared statements, every
/// stream's table in it. Times are stored as Unix milliseconds (UTC), event ids as 16-byte blobs.
/// </summary>
public sealed class SqliteEventSink : IEventSink, IDisposable
{
    // synchronous=FULL: a commit the drain has been told about must survive a power loss, or an event would be lost.
    // A 64 MiB page cache (SQLite's default is 2 MiB) keeps the hot pages of the indexes in memory.
    private const string Open = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000; PRAGMA cache_size=-65536;";

    // SQLITE_BUSY, SQLITE_LOCKED: another connection holds the file.
    private static readonly int[] TransientErrors = [5, 6];

    private readonly GroupCommit<VersionedBatch, SinkResult> _writes;

    // The one writer's connection is used by a group's commit or a migration, never by both at once.
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly SqliteConnection _connection;
    private readonly string _connectionString;
    private readonly ClickOptions _clicks;
    private readonly SqliteProgress _progress;
    private readonly Dictionary<string, SqliteEventTable> _tables;
    private readonly SchemaVersions _versions;

    public SqliteEventSink(IOptions<SqliteSinkOptions> options, IOptions<ClickOptions> clicks, StreamCatalog streams, SchemaVersions versions)
    {
        _versions = versions;
        var path = System.IO.Path.GetFullPath(options.Value.Path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        Path = path;
        _clicks = clicks.Value;
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
        _tables = streams.Streams.ToDictionary(stream => stream.Name, stream => new SqliteEventTable(_connection, streams.RulesOf(stream)), StringComparer.Ordinal);
        _writes = new GroupCommit<VersionedBatch, SinkResult>(async batches =>
        {
            await _writer.WaitAsync();
            try
            {
                return Commit(batches);
            }
            finally
            {
                _writer.Release();
            }
        });
    }

    public string Name => StreamSinks.Sqlite;

    /// <summary>The full path of the database file.</summary>
    public string Path { get; }

    /// <summary>Creates each stream's table where it is missing and applies its additive changes; its own tables were migrated when the file was opened.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            using var transaction = _connection.BeginTransaction();
            Migrate(transaction);
            transaction.Commit();
        }
        finally
        {
            _writer.Release();
        }
    }

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
    public async Task<SinkResult> WriteAsync(EventBatch batch, CancellationToken cancellationToken) =>
        await _writes.CommitAsync(new VersionedBatch(batch, await _versions.RulesAsync(batch.Stream, batch.Version, cancellationToken)));

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

    public async Task DeleteRangeAsync(string stream, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        Execute(connection, "PRAGMA busy_timeout=5000;");
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var delete = connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = _tables[stream].DeleteRange;
        delete.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
        delete.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
        await delete.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<string>> HoldingAsync(string stream, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = _tables[stream].SelectHolding;
        command.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
        return await command.ReadFirstColumnAsync(cancellationToken);
    }

    /// <remarks>One lookup per event through an index (<see cref="SqliteEventTable.SelectStored"/>), by a statement prepared once, on a reader's connection.</remarks>
    public async Task<IReadOnlySet<Guid>> StoredAsync(string stream, EventRows rows, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var table = _tables[stream];
        command.CommandText = table.SelectStored;
        var ts = command.Parameters.Add("$ts", SqliteType.Integer);
        var id = command.Parameters.Add("$id", SqliteType.Blob);
        var key = table.StoredKey < 0 ? null : command.Parameters.Add("$key", SqliteType.Integer);
        var slot = table.StoredKey < 0 ? -1 : table.Rules.SlotOf(table.StoredKey);
        command.Prepare();
        var stored = new HashSet<Guid>();
        for (var row = 0; row < rows.Count; row++)
        {
            key?.Value = rows.LongAt(row, slot);
            ts.Value = rows.Timestamps[row];
            id.Value = rows.EventIds[row].ToByteArray(bigEndian: true);
            if (await command.ExecuteScalarAsync(cancellationToken) is not null)
            {
                stored.Add(rows.EventIds[row]);
            }
        }

        return stored;
    }

    public bool IsTransient(Exception exception) => exception is SqliteException e && TransientErrors.Contains(e.SqliteErrorCode & 0xFF);

    /// <summary>A batch and the rules of its schema version, resolved before it joins a group.</summary>
    private sealed record VersionedBatch(EventBatch Batch, EventRules Rules);

    public void Dispose()
    {
        foreach (var table in _tables.Values)
        {
            table.Dispose();
        }

        _progress.Dispose();
        _connection.Dispose();
        _writer.Dispose();
    }

    /// <remarks>
    /// The group is written in one transaction. When SQLite refuses anything for its data — a row, a rollup, a trigger in
    /// any form — the whole group is written again isolating the refusals: each event with its rollups under a savepoint
    /// of its own, so a refusal undoes exactly that event (a <c>RAISE(FAIL)</c> after the insert keeps no row). A
    /// refusal that ends the transaction itself (<c>RAISE(ROLLBACK)</c>) is remembered and the group starts over
    /// without that event: nothing is ever written outside the group's transaction.
    /// </remarks>
    private SinkResult[] Commit(IReadOnlyList<VersionedBatch> batches)
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

    /// <param name="isolated">Null: the fast path, which gives up at the first refusal. Otherwise each event under a
    /// savepoint, and the events whose refusal ended the transaction on an earlier attempt, with its reason.</param>
    private SinkResult[] Commit(IReadOnlyList<VersionedBatch> batches, Dictionary<(int Batch, long Position), string>? isolated)
    {
        using var transaction = _connection.BeginTransaction();
        var additions = isolated is null ? new Dictionary<(SqliteRollupTable, string Version), RollupAdditions>() : null;
        var results = new SinkResult[batches.Count];
        for (var i = 0; i < batches.Count; i++)
        {
            results[i] = Write(transaction, i, batches[i].Batch, batches[i].Rules, additions, isolated);
        }

        foreach (var ((rollup, _), added) in additions ?? [])
        {
            if (rollup.TryAdd(transaction, added) is { } error)
            {
                throw new StoreRefusal(-1, -1, error, TransactionEnded);
            }
        }

        transaction.Commit();
        return results;
    }

    /// <summary>One batch inside the group's transaction: batches of the same list and partition apply one after the other.</summary>
    /// <param name="rules">The rules of the batch's schema version: the layout of its rows and the columns they fill.</param>
    private SinkResult Write(
        SqliteTransaction transaction, int index, EventBatch batch, EventRules rules, Dictionary<(SqliteRollupTable, string Version), RollupAdditions>? additions,
        Dictionary<(int Batch, long Position), string>? isolated)
    {
        var table = _tables[batch.Stream];
        var events = batch.Events;
        var progress = _progress.Lock(transaction, batch);
        var refusedBefore = progress.Skips(batch) ? _progress.ReadRefused(transaction, batch, progress) : [];
        var unwritten = progress.Unwritten(batch);
        var refused = new List<RefusedEvent>();
        foreach (var row in unwritten)
        {
            var position = events.Positions[row];
            if (additions is not null)
            {
                if (table.TryInsert(rules, events, row) is { } error)
                {
                    throw new StoreRefusal(index, position, error, TransactionEnded);
                }

                foreach (var rollup in table.Rollups)
                {
                    if (!additions.TryGetValue((rollup, rules.Version), out var added))
                    {
                        additions[(rollup, rules.Version)] = added = new RollupAdditions(rollup.Rollup, rules);
                    }

                    added.Add(events, row);
                }
            }
            else if (isolated!.TryGetValue((index, position), out var reason))
            {
                refused.Add(new RefusedEvent(position, reason));
            }
            else if (WriteUnderSavepoint(transaction, table, rules, events, row) is { } error)
            {
                if (TransactionEnded)
                {
                    throw new StoreRefusal(index, position, error, endedTransaction: true);
                }

                refused.Add(new RefusedEvent(position, error));
            }
        }

        if (unwritten.Length > 0)
        {
            _progress.Finish(transaction, batch, LedgerCommit.Of(batch, progress, unwritten, refused), refused);
        }

        return PartitionProgress.Result(batch, unwritten.Length, refused, refusedBefore);
    }

    /// <returns>Null when the event and its rollups are written; else the store's reason, with all of it undone (unless
    /// the refusal ended the transaction, <see cref="TransactionEnded"/>).</returns>
    private string? WriteUnderSavepoint(SqliteTransaction transaction, SqliteEventTable table, EventRules rules, EventRows events, int row)
    {
        const string savepoint = "event";
        transaction.Save(savepoint);
        var error = table.TryInsert(rules, events, row);
        foreach (var rollup in table.Rollups)
        {
            if (error is not null)
            {
                break;
            }

            var added = new RollupAdditions(rollup.Rollup, rules);
            added.Add(events, row);
            error = rollup.TryAdd(transaction, added);
        }

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

    /// <summary>Brings every stream's table to its declaration.</summary>
    private void Migrate(SqliteTransaction transaction)
    {
        foreach (var table in _tables.Values)
        {
            var stream = table.Stream;
            var version = SchemaVersion.Of(stream);
            var recorded = (string?)Execute(transaction,
                "SELECT definition FROM stream_schemas WHERE stream = $1 ORDER BY applied_at DESC LIMIT 1", stream.Name);
            var unrecorded = recorded is null;

            // The built-in stream's tables come with the file's own (SqliteSchema): its first version is the built-in one.
            recorded ??= stream.Name == ClickStream.Name ? SchemaVersion.Of(ClickStream.Schema(_clicks)).Definition : null;
            if (recorded == version.Definition && !unrecorded)
            {
                continue;
            }

            if (recorded is null)
            {
                foreach (var statement in table.Create.Concat(table.Rollups.SelectMany(rollup => rollup.Create)))
                {
                    Execute(transaction, statement);
                }
            }
            else if (recorded != version.Definition)
            {
                var evolution = SchemaEvolution.Between(recorded, stream);
                if (evolution.Refused.Count > 0)
                {
                    throw new SchemaChangedException(SchemaChanges.Describe(stream, recorded, evolution, $"\"{stream.Table}\"",
                        $"DROP TABLE \"{stream.Table}\"; DELETE FROM stream_schemas WHERE stream = '{stream.Name}';"));
                }

                foreach (var field in evolution.Added)
                {
                    Execute(transaction, table.AddColumn(field));
                }

                if (evolution.AddsExtra)
                {
                    Execute(transaction, table.AddExtraColumn);
                }

                foreach (var index in evolution.AddedIndexes)
                {
                    Execute(transaction, table.CreateIndex(index));
                }

                foreach (var rollup in table.Rollups.Where(rollup => evolution.AddedRollups.Contains(rollup.Rollup)))
                {
                    foreach (var statement in rollup.Create.Append(rollup.Fill).Concat(rollup.FillValues))
                    {
                        Execute(transaction, statement);
                    }
                }
            }

            // A declaration changed back to an earlier version (bounds only) records that version again, as the latest.
            Execute(transaction, "INSERT INTO stream_schemas (stream, version, definition, applied_at) VALUES ($1, $2, $3, $4) "
                + "ON CONFLICT (stream, version) DO UPDATE SET applied_at = excluded.applied_at",
                stream.Name, version.Version, version.Definition, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        }
    }

    /// <summary>Whether a trigger's <c>RAISE(ROLLBACK)</c> ended the group's transaction: the connection is back in autocommit mode.</summary>
    private bool TransactionEnded => raw.sqlite3_get_autocommit(_connection.Handle) != 0;

    private object? Execute(SqliteTransaction transaction, string sql, params object[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        for (var i = 0; i < parameters.Length; i++)
        {
            command.Parameters.AddWithValue("$" + (i + 1), parameters[i]);
        }

        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

/// <summary>SQLite refused an event (at <see cref="Position"/> of batch <see cref="Batch"/>; -1: a rollup of the group) for its data.</summary>
file sealed class StoreRefusal(int batch, long position, string reason, bool endedTransaction) : Exception(reason)
{
    public int Batch => batch;

    public long Position => position;

    public string Reason => Message;

    public bool EndedTransaction => endedTransaction;
}
