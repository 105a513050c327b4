using ClickOrleans.Streams;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ClickOrleans.Sinks.Sqlite;

/// <summary>
/// The SQLite sink of declared streams, in the clicks' file: one transaction per partition write — the events above
/// the partition's progress mark and the new mark. An event SQLite refuses for its data is reported and the rest
/// written; writes take turns on one connection (SQLite has one writer at a time).
/// </summary>
public sealed class SqliteEventSink : IEventSink, IDisposable
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly SqliteConnection _connection;
    private readonly SqliteProgress _progress;
    private readonly Dictionary<string, SqliteEventTable> _tables;

    /// <param name="clicks">The clicks' sink: its file, whose schema it brought to the current version when it opened it.</param>
    public SqliteEventSink(SqliteClickSink clicks, StreamCatalog streams)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = clicks.Path, Pooling = false }.ToString());
        _connection.Open();
        using (var open = _connection.CreateCommand())
        {
            open.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;";
            open.ExecuteNonQuery();
        }

        _progress = new SqliteProgress(_connection);
        _tables = streams.Declared.ToDictionary(stream => stream.Name, stream => new SqliteEventTable(_connection, stream), StringComparer.Ordinal);
    }

    public async Task MigrateAsync(IReadOnlyList<StreamSchema> streams, CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            using var transaction = _connection.BeginTransaction(deferred: false);
            foreach (var stream in streams)
            {
                var version = SchemaVersion.Of(stream);
                var recorded = (string?)Execute(transaction,
                    "SELECT definition FROM stream_schemas WHERE stream = $1 ORDER BY applied_at DESC LIMIT 1", stream.Name);
                if (recorded == version.Definition)
                {
                    continue;
                }

                var table = _tables[stream.Name];
                if (recorded is null)
                {
                    foreach (var statement in table.Create.Concat(table.Rollups.SelectMany(rollup => rollup.Create)))
                    {
                        Execute(transaction, statement);
                    }
                }
                else
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

            transaction.Commit();
        }
        finally
        {
            _turn.Release();
        }
    }

    public async Task<SinkResult> WriteAsync(EventBatch batch, CancellationToken cancellationToken)
    {
        var table = _tables[batch.Stream];
        await _turn.WaitAsync(cancellationToken);
        try
        {
            // A refusal that ended the transaction (a trigger's RAISE(ROLLBACK)) starts the write over with that event left out.
            var isolated = new Dictionary<long, string>();
            while (true)
            {
                if (TryWrite(table, batch, isolated) is { } result)
                {
                    return result;
                }
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    public void Dispose()
    {
        foreach (var table in _tables.Values)
        {
            table.Dispose();
        }

        _progress.Dispose();
        _connection.Dispose();
        _turn.Dispose();
    }

    /// <returns>What the write did; null when a refusal ended its transaction (the event is then in <paramref name="isolated"/>).</returns>
    private SinkResult? TryWrite(SqliteEventTable table, EventBatch batch, Dictionary<long, string> isolated)
    {
        using var transaction = _connection.BeginTransaction(deferred: false);
        var progress = _progress.Lock(transaction, batch);
        var refusedBefore = progress.Skips(batch) ? _progress.ReadRefused(transaction, batch, progress) : [];
        var unwritten = progress.Unwritten(batch, batch.Events);
        var refused = new List<RefusedEvent>();
        var rollups = Array.ConvertAll(table.Rollups, rollup => new RollupAdditions(rollup.Rollup, table.Declared));
        foreach (var row in unwritten)
        {
            if (isolated.TryGetValue(row.Position, out var reason))
            {
                refused.Add(new RefusedEvent(row.Position, reason));
            }
            else if (table.TryInsert(transaction, row) is { } error)
            {
                if (raw.sqlite3_get_autocommit(_connection.Handle) != 0)
                {
                    isolated.Add(row.Position, error);
                    return null;
                }

                refused.Add(new RefusedEvent(row.Position, error));
            }
            else
            {
                foreach (var additions in rollups)
                {
                    additions.Add(row);
                }
            }
        }

        if (unwritten.Length > 0)
        {
            for (var i = 0; i < rollups.Length; i++)
            {
                table.Rollups[i].Upsert(transaction, rollups[i]);
                if (rollups[i].ValueCount > 0)
                {
                    table.Rollups[i].AddValues(transaction, rollups[i]);
                }
            }

            _progress.Finish(transaction, batch, refused);
        }

        transaction.Commit();
        return PartitionProgress.Result(batch, unwritten.Length, refused, refusedBefore);
    }

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
}
