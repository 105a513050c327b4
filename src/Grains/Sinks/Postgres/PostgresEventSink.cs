using ClickOrleans.Streams;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClickOrleans.Sinks.Postgres;

/// <summary>
/// The PostgreSQL sink. One transaction per partition write: lock the partition's progress mark, binary COPY the
/// events above it into the stream's table, upsert what they add to its rollups, move the mark and add the write to the
/// ledger. A refusal of the data
/// anywhere in that transaction becomes a refused event, never a failed write. Writers of the same private list and
/// partition queue on the mark's row lock; a replay finds the mark past its events and writes nothing twice.
/// </summary>
public sealed class PostgresEventSink : IEventSink
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;
    private readonly ClickOptions _clicks;
    private readonly PostgresProgress _progress;
    private readonly Dictionary<string, PostgresEventTable> _tables;
    private readonly string[] _complete;
    private readonly PostgresPartitions _partitions;
    private readonly TaskCompletionSource _migrated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly SchemaVersions _versions;

    public PostgresEventSink(
        NpgsqlDataSource dataSource, IOptions<PostgresSinkOptions> options, IOptions<ClickOptions> clicks, StreamCatalog streams, SchemaVersions versions)
    {
        _dataSource = dataSource;
        _versions = versions;
        var schema = _schema = options.Value.Schema;
        _clicks = clicks.Value;
        _progress = new PostgresProgress(schema);
        _partitions = new PostgresPartitions(dataSource, schema);
        _tables = streams.Streams.ToDictionary(stream => stream.Name, stream => new PostgresEventTable(schema, streams.RulesOf(stream)), StringComparer.Ordinal);
        // Marks of lists completed a week ago go: no stale drain outlives a week.
        _complete =
        [
            $"UPDATE {schema}.drain_progress SET completed_at = now() WHERE private_list = $1 AND completed_at IS NULL",
            $"DELETE FROM {schema}.drain_refused WHERE private_list = $1",
            $"DELETE FROM {schema}.drain_progress WHERE completed_at < now() - interval '7 days'",
        ];
    }

    public string Name => StreamSinks.Postgres;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await PostgresSchema.MigrateAsync(_dataSource, _schema, cancellationToken);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockTables = new NpgsqlCommand($"SELECT pg_advisory_xact_lock(hashtext('clickorleans-streams:{_schema}'))", connection, transaction))
        {
            await lockTables.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var table in _tables.Values)
        {
            var stream = table.Stream;
            var version = SchemaVersion.Of(stream);
            string? recorded;
            await using (var read = new NpgsqlCommand(
                $"SELECT definition FROM {_schema}.stream_schemas WHERE stream = $1 ORDER BY applied_at DESC LIMIT 1", connection, transaction))
            {
                read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream.Name });
                recorded = (string?)await read.ExecuteScalarAsync(cancellationToken);
            }

            var unrecorded = recorded is null;

            // The built-in stream's tables come with the store's own (PostgresSchema): its first version is the built-in one.
            recorded ??= stream.Name == ClickStream.Name ? SchemaVersion.Of(ClickStream.Schema(_clicks)).Definition : null;
            if (recorded == version.Definition)
            {
                if (unrecorded)
                {
                    await RecordAsync(connection, transaction, stream, version, cancellationToken);
                }

                continue;
            }

            await using var apply = new NpgsqlBatch(connection, transaction);
            if (recorded is null)
            {
                foreach (var statement in table.Create.Concat(table.Rollups.SelectMany(rollup => rollup.Create)))
                {
                    apply.BatchCommands.Add(new NpgsqlBatchCommand(statement));
                }
            }
            else
            {
                var evolution = SchemaEvolution.Between(recorded, stream);
                if (evolution.Refused.Count > 0)
                {
                    throw new SchemaChangedException(SchemaChanges.Describe(stream, recorded, evolution, table.Name,
                        $"DROP TABLE {table.Name}; DELETE FROM {_schema}.stream_schemas WHERE stream = '{stream.Name}';"));
                }

                foreach (var field in evolution.Added)
                {
                    apply.BatchCommands.Add(new NpgsqlBatchCommand(table.AddColumn(field)));
                }

                if (evolution.AddsExtra)
                {
                    apply.BatchCommands.Add(new NpgsqlBatchCommand(table.AddExtraColumn));
                }

                foreach (var index in evolution.AddedIndexes)
                {
                    apply.BatchCommands.Add(new NpgsqlBatchCommand(table.CreateIndex(index)));
                }

                foreach (var rollup in table.Rollups.Where(rollup => evolution.AddedRollups.Contains(rollup.Rollup)))
                {
                    foreach (var statement in rollup.Create.Append(rollup.Fill).Concat(rollup.FillValues))
                    {
                        apply.BatchCommands.Add(new NpgsqlBatchCommand(statement));
                    }
                }
            }

            if (apply.BatchCommands.Count > 0)
            {
                await apply.ExecuteNonQueryAsync(cancellationToken);
            }

            await RecordAsync(connection, transaction, stream, version, cancellationToken);
        }

        await _partitions.PrepareAsync(connection, transaction, _tables.Values, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        _migrated.TrySetResult();
    }

    /// <summary>Completes once <see cref="MigrateAsync"/> did at start: the tables are as declared, and their partitions known.</summary>
    public Task Migrated => _migrated.Task;

    /// <summary>
    /// Drops the day partitions of the stream's table that ended its retention ago at <paramref name="now"/>, whole
    /// (<see cref="PostgresPartitions"/>); nothing for a stream without a retention.
    /// </summary>
    /// <returns>The partitions dropped.</returns>
    public Task<IReadOnlyList<string>> DropExpiredAsync(string stream, DateTimeOffset now, CancellationToken cancellationToken) =>
        _partitions.DropExpiredAsync(_tables[stream], now, cancellationToken);

    /// <summary>The partitions of the stream's table, oldest first; none for a table that is not partitioned.</summary>
    public Task<IReadOnlyList<string>> PartitionsAsync(string stream, CancellationToken cancellationToken) =>
        _partitions.NamesAsync(_tables[stream], cancellationToken);

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<string>> HoldingAsync(string stream, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_tables[stream].SelectHolding);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = to });
        return await command.ReadFirstColumnAsync(cancellationToken);
    }

    public async Task DeleteRangeAsync(string stream, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var delete = new NpgsqlBatch(connection, transaction);
        foreach (var statement in _tables[stream].DeleteRange)
        {
            delete.BatchCommands.Add(PostgresProgress.Command(statement, new NpgsqlParameter<DateTimeOffset> { TypedValue = from }, new NpgsqlParameter<DateTimeOffset> { TypedValue = to }));
        }

        await delete.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlySet<Guid>> StoredAsync(string stream, EventRows rows, CancellationToken cancellationToken)
    {
        var table = _tables[stream];
        await using var command = _dataSource.CreateCommand(table.SelectStored);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = rows.EventIds[..rows.Count] });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. rows.Timestamps[..rows.Count].Select(ms => DateTime.UnixEpoch.AddMilliseconds(ms))] });
        if (table.StoredKey >= 0)
        {
            var slot = table.Rules.SlotOf(table.StoredKey);
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. Enumerable.Range(0, rows.Count).Select(row => rows.LongAt(row, slot))] });
        }

        var stored = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            stored.Add(reader.GetGuid(0));
        }

        return stored;
    }

    /// <remarks>
    /// The whole batch goes in one COPY and one upsert per rollup. When PostgreSQL refuses any statement of the write for
    /// its data (a row, a rollup, a deferred constraint at COMMIT), the transaction is rolled back and the write starts
    /// over isolating the refused events: with every constraint checked at once, halves of the batch are copied and
    /// rolled up under savepoints, recursively, until each refused event stands alone.
    /// </remarks>
    public async Task<SinkResult> WriteAsync(EventBatch batch, CancellationToken cancellationToken)
    {
        var table = _tables[batch.Stream];
        var rules = await _versions.RulesAsync(batch.Stream, batch.Version, cancellationToken);
        await _partitions.EnsureAsync(table, batch.Events, cancellationToken);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return await WriteAsync(connection, table, rules, batch, isolateRefused: false, cancellationToken);
        }
        catch (PostgresException e) when (PostgresPartitions.IsMissing(e))
        {
            // Another silo's retention dropped a partition this one knew: learn them again, and write once more.
            _partitions.Forget(table);
            await _partitions.EnsureAsync(table, batch.Events, cancellationToken);
            return await WriteAsync(connection, table, rules, batch, isolateRefused: false, cancellationToken);
        }
        catch (PostgresException e) when (PostgresProgress.IsDataError(e))
        {
            return await WriteAsync(connection, table, rules, batch, isolateRefused: true, cancellationToken);
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

    private async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, StreamSchema stream, SchemaVersion version, CancellationToken cancellationToken)
    {
        // A declaration changed back to an earlier version (bounds only) records that version again, as the latest.
        await using var record = new NpgsqlCommand(
            $"INSERT INTO {_schema}.stream_schemas (stream, version, definition) VALUES ($1, $2, $3) "
            + "ON CONFLICT (stream, version) DO UPDATE SET applied_at = now()", connection, transaction);
        record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream.Name });
        record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = version.Version });
        record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = version.Definition });
        await record.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <param name="rules">The rules of the batch's schema version: the layout of its rows and the columns they fill.</param>
    private async Task<SinkResult> WriteAsync(
        NpgsqlConnection connection, PostgresEventTable table, EventRules rules, EventBatch batch, bool isolateRefused, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var progress = await _progress.LockAsync(connection, transaction, batch, cancellationToken);
        var unwritten = progress.Unwritten(batch);
        var refusedBefore = progress.Skips(batch) ? await _progress.ReadRefusedAsync(connection, transaction, batch, progress, cancellationToken) : [];
        var refused = new List<RefusedEvent>();
        if (unwritten.Length > 0)
        {
            await using var finish = new NpgsqlBatch(connection, transaction);
            if (isolateRefused)
            {
                await using (var immediate = new NpgsqlCommand(PostgresProgress.CheckConstraintsNow, connection, transaction))
                {
                    await immediate.ExecuteNonQueryAsync(cancellationToken);
                }

                // Each half with its rollups, so that a refused rollup row leaves out exactly the events that add to it.
                await PostgresProgress.IsolateAsync(transaction, batch.Events, unwritten, async rows =>
                {
                    await CopyAsync(connection, table, rules, batch.Events, rows, cancellationToken);
                    await using var rollups = new NpgsqlBatch(connection, transaction);
                    AddRollups(rollups, table, rules, batch.Events, rows.Span);
                    if (rollups.BatchCommands.Count > 0)
                    {
                        await rollups.ExecuteNonQueryAsync(cancellationToken);
                    }
                }, refused, cancellationToken);
            }
            else
            {
                await CopyAsync(connection, table, rules, batch.Events, unwritten, cancellationToken);
                AddRollups(finish, table, rules, batch.Events, unwritten);
            }

            _progress.AddFinish(finish, batch, LedgerCommit.Of(batch, progress, unwritten, refused), refused);
            await finish.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return PartitionProgress.Result(batch, unwritten.Length, refused, refusedBefore);
    }

    private static async Task CopyAsync(
        NpgsqlConnection connection, PostgresEventTable table, EventRules rules, EventRows events, ReadOnlyMemory<int> rows, CancellationToken cancellationToken)
    {
        using var data = new PostgresCopyRows(rules, events, rows.Span);
        await using var copy = await connection.BeginRawBinaryCopyAsync(table.CopyOf(rules), cancellationToken);
        await copy.WriteAsync(data.Data, cancellationToken);
    }

    /// <summary>The upserts of what the rows add to each rollup of the stream (as declared now, whatever version the rows are of).</summary>
    private static void AddRollups(NpgsqlBatch batch, PostgresEventTable table, EventRules rules, EventRows events, ReadOnlySpan<int> rows)
    {
        foreach (var rollup in table.Rollups)
        {
            var additions = new RollupAdditions(rollup.Rollup, rules);
            foreach (var row in rows)
            {
                additions.Add(events, row);
            }

            if (additions.Count > 0)
            {
                batch.BatchCommands.Add(rollup.Upsert(additions));
            }

            if (additions.ValueCount > 0)
            {
                batch.BatchCommands.Add(rollup.AddValues(additions));
            }
        }
    }
}
