using ClickOrleans.Streams;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ClickOrleans.Sinks.Postgres;

/// <summary>
/// The PostgreSQL sink of declared streams: one transaction per partition write, as for clicks — lock the partition's
/// progress mark, binary COPY the events above it into the stream's table, move the mark; what the store refuses for
/// its data is isolated under savepoints and reported, never a failed write.
/// </summary>
public sealed class PostgresEventSink : IEventSink
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;
    private readonly PostgresProgress _progress;
    private readonly Dictionary<string, PostgresEventTable> _tables;

    public PostgresEventSink(NpgsqlDataSource dataSource, IOptions<PostgresSinkOptions> options, StreamCatalog streams)
    {
        _dataSource = dataSource;
        _schema = options.Value.Schema;
        _progress = new PostgresProgress(_schema);
        _tables = streams.Declared.ToDictionary(stream => stream.Name, stream => new PostgresEventTable(_schema, stream), StringComparer.Ordinal);
    }

    public async Task MigrateAsync(IReadOnlyList<StreamSchema> streams, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockTables = new NpgsqlCommand($"SELECT pg_advisory_xact_lock(hashtext('clickorleans-streams:{_schema}'))", connection, transaction))
        {
            await lockTables.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var stream in streams)
        {
            var table = _tables[stream.Name];
            var version = SchemaVersion.Of(stream);
            string? recorded;
            await using (var read = new NpgsqlCommand(
                $"SELECT definition FROM {_schema}.stream_schemas WHERE stream = $1 ORDER BY applied_at DESC LIMIT 1", connection, transaction))
            {
                read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream.Name });
                recorded = (string?)await read.ExecuteScalarAsync(cancellationToken);
            }

            if (recorded == version.Definition)
            {
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

            // A declaration changed back to an earlier version (bounds only) records that version again, as the latest.
            apply.BatchCommands.Add(PostgresProgress.Command(
                $"INSERT INTO {_schema}.stream_schemas (stream, version, definition) VALUES ($1, $2, $3) "
                + "ON CONFLICT (stream, version) DO UPDATE SET applied_at = now()",
                new NpgsqlParameter<string> { TypedValue = stream.Name },
                new NpgsqlParameter<string> { TypedValue = version.Version },
                new NpgsqlParameter<string> { TypedValue = version.Definition }));
            await apply.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<SinkResult> WriteAsync(EventBatch batch, CancellationToken cancellationToken)
    {
        var table = _tables[batch.Stream];
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return await WriteAsync(connection, table, batch, isolateRefused: false, cancellationToken);
        }
        catch (PostgresException e) when (PostgresProgress.IsDataError(e))
        {
            return await WriteAsync(connection, table, batch, isolateRefused: true, cancellationToken);
        }
    }

    private async Task<SinkResult> WriteAsync(
        NpgsqlConnection connection, PostgresEventTable table, EventBatch batch, bool isolateRefused, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var progress = await _progress.LockAsync(connection, transaction, batch, cancellationToken);
        var unwritten = progress.Unwritten(batch, batch.Events);
        var refusedBefore = progress.Skips(batch) ? await _progress.ReadRefusedAsync(connection, transaction, batch, progress, cancellationToken) : [];
        var refused = new List<RefusedEvent>();
        if (unwritten.Length > 0)
        {
            if (isolateRefused)
            {
                await using (var immediate = new NpgsqlCommand(PostgresProgress.CheckConstraintsNow, connection, transaction))
                {
                    await immediate.ExecuteNonQueryAsync(cancellationToken);
                }

                await PostgresProgress.IsolateAsync<StagedEvent>(transaction, unwritten, events => CopyAsync(connection, table, events, cancellationToken), refused, cancellationToken);
            }
            else
            {
                await CopyAsync(connection, table, unwritten, cancellationToken);
            }

            await using var finish = new NpgsqlBatch(connection, transaction);
            var refusedPositions = table.Rollups.Length > 0 ? refused.Select(r => r.Position).ToHashSet() : [];
            foreach (var rollup in table.Rollups)
            {
                var additions = new RollupAdditions(rollup.Rollup, table.Declared);
                foreach (var row in unwritten)
                {
                    if (!refusedPositions.Contains(row.Position))
                    {
                        additions.Add(row);
                    }
                }

                if (additions.Count > 0)
                {
                    finish.BatchCommands.Add(rollup.Upsert(additions));
                }

                if (additions.ValueCount > 0)
                {
                    finish.BatchCommands.Add(rollup.AddValues(additions));
                }
            }

            _progress.AddFinish(finish, batch, refused);
            await finish.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return PartitionProgress.Result(batch, unwritten.Length, refused, refusedBefore);
    }

    private static async Task CopyAsync(NpgsqlConnection connection, PostgresEventTable table, ReadOnlyMemory<StagedEvent> events, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync(table.Copy, cancellationToken);
        for (var i = 0; i < events.Length; i++)
        {
            var row = events.Span[i];
            await copy.StartRowAsync(cancellationToken);
            await copy.WriteAsync(row.EventId, NpgsqlDbType.Uuid, cancellationToken);
            await WriteTextAsync(copy, row.ClientId, cancellationToken);
            await copy.WriteAsync(DateTime.UnixEpoch.AddMilliseconds(row.TimestampMs), NpgsqlDbType.TimestampTz, cancellationToken);
            for (var f = 0; f < table.Types.Length; f++)
            {
                await WriteValueAsync(copy, row.Values[f], table.Types[f], cancellationToken);
            }

            if (table.KeepsExtra)
            {
                await (row.Extra is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(row.Extra, NpgsqlDbType.Jsonb, cancellationToken));
            }
        }

        await copy.CompleteAsync(cancellationToken);
    }

    private static Task WriteTextAsync(NpgsqlBinaryImporter copy, string? text, CancellationToken cancellationToken) =>
        text is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(text, NpgsqlDbType.Text, cancellationToken);

    private static Task WriteValueAsync(NpgsqlBinaryImporter copy, object? value, NpgsqlDbType type, CancellationToken cancellationToken) => value switch
    {
        null => copy.WriteNullAsync(cancellationToken),
        long ms when type == NpgsqlDbType.TimestampTz => copy.WriteAsync(DateTime.UnixEpoch.AddMilliseconds(ms), type, cancellationToken),
        long number => copy.WriteAsync(number, type, cancellationToken),
        double number => copy.WriteAsync(number, type, cancellationToken),
        bool flag => copy.WriteAsync(flag, type, cancellationToken),
        string text => copy.WriteAsync(text, type, cancellationToken),
        Guid uuid => copy.WriteAsync(uuid, type, cancellationToken),
        decimal exact => copy.WriteAsync(exact, type, cancellationToken),
        _ => throw new InvalidOperationException($"A staged event holds a {value.GetType().Name}, which no field type stages."),
    };
}
