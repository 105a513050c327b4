using ClickOrleans.Queries;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClickOrleans.Sinks.Postgres;

/// <summary>The query API's reads of the PostgreSQL sink.</summary>
public sealed class PostgresSinkQueries(NpgsqlDataSource dataSource, IOptions<PostgresSinkOptions> options) : ISinkQueries
{
    private readonly string _schema = options.Value.Schema;

    public async Task<string?> DefinitionAsync(string stream, string version, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT definition FROM {_schema}.stream_schemas WHERE stream = $1 AND version = $2");
        command.Parameters.Add(new() { Value = stream });
        command.Parameters.Add(new() { Value = version });
        return (string?)await command.ExecuteScalarAsync(cancellationToken);
    }

    public async Task<MinuteClicks[]> ProductMinutesAsync(long pid, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT minute, clicks FROM {_schema}.product_clicks_minute
            WHERE pid = $1 AND minute >= $2 AND minute < $3 ORDER BY minute
            """);
        command.Parameters.Add(new() { Value = pid });
        command.Parameters.Add(new() { Value = from });
        command.Parameters.Add(new() { Value = to });
        return await ReadAllAsync(command, reader => new MinuteClicks(reader.GetFieldValue<DateTimeOffset>(0), reader.GetInt64(1)), cancellationToken);
    }

    public async Task<TopProduct[]> TopProductsAsync(DateTimeOffset since, DateTimeOffset until, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT pid, sum(clicks)::bigint AS total FROM {_schema}.product_clicks_minute
            WHERE minute >= $1 AND minute < $2 GROUP BY pid ORDER BY total DESC, pid LIMIT $3
            """);
        command.Parameters.Add(new() { Value = since });
        command.Parameters.Add(new() { Value = until });
        command.Parameters.Add(new() { Value = limit });
        return await ReadAllAsync(command, reader => new TopProduct(reader.GetInt64(0), reader.GetInt64(1)), cancellationToken);
    }

    public async Task<UserClick[]> UserClicksAsync(long uid, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT event_id, client_id, pid, ts FROM {_schema}.clicks
            WHERE uid = $1 AND ts >= $2 AND ts < $3 ORDER BY ts DESC, event_id DESC LIMIT $4
            """);
        command.Parameters.Add(new() { Value = uid });
        command.Parameters.Add(new() { Value = from });
        command.Parameters.Add(new() { Value = to });
        command.Parameters.Add(new() { Value = limit });
        return await ReadAllAsync(command, reader => new UserClick(
            reader.IsDBNull(1) ? ClickId.Format(reader.GetGuid(0)) : reader.GetString(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3)), cancellationToken);
    }

    public async Task<RollupBucket[]> RollupAsync(
        StreamRollup rollup, IReadOnlyList<(StreamField Field, object Value)> filters, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var command = RollupCommand(
            $"SELECT {rollup.BucketColumn}, sum({rollup.CountColumn})::bigint{string.Concat(rollup.Sums.Select(name => $", sum(\"{StreamRollup.SumColumn(name)}\")::double precision"))} FROM {_schema}.\"{rollup.Table}\"",
            rollup.BucketColumn, filters, from, to, " GROUP BY 1 ORDER BY 1");
        var buckets = await ReadAllAsync(command, reader => new RollupBucket(
            reader.GetFieldValue<DateTimeOffset>(0),
            reader.GetInt64(1),
            rollup.Sums.Select((name, i) => (name, i)).ToDictionary(sum => sum.name, sum => reader.GetDouble(sum.i + 2), StringComparer.Ordinal)), cancellationToken);
        if (rollup.Distinct.Count == 0)
        {
            return buckets;
        }

        await using var distinct = RollupCommand(
            $"SELECT bucket, field, count(DISTINCT value) FROM {_schema}.\"{rollup.ValuesTable}\"", "bucket", filters, from, to, " GROUP BY bucket, field");
        var counts = await ReadAllAsync(distinct, reader => (Bucket: reader.GetFieldValue<DateTimeOffset>(0), Field: reader.GetString(1), Count: reader.GetInt64(2)), cancellationToken);
        return RollupDistinct.Merge(buckets, rollup, counts);
    }

    public async Task<StoredEvent[]> EventsAsync(
        StreamSchema stream, IReadOnlyList<(StreamField Field, object Value)> filters, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken)
    {
        StreamField[] declared = [.. stream.Fields.Skip(2)];
        var keepsExtra = stream.Extra == ExtraProperties.Keep;
        await using var command = dataSource.CreateCommand(
            $"SELECT event_id, client_id, ts{string.Concat(declared.Select(field => $", \"{field.Name}\""))}{(keepsExtra ? ", extra::text" : "")} "
            + $"FROM {_schema}.\"{stream.Table}\" WHERE ts >= $1 AND ts < $2"
            + string.Concat(filters.Select((filter, i) => $" AND \"{filter.Field.Name}\" = ${i + 4}"))
            + " ORDER BY ts DESC, event_id DESC LIMIT $3");
        command.Parameters.Add(new() { Value = from });
        command.Parameters.Add(new() { Value = to });
        command.Parameters.Add(new() { Value = limit });
        foreach (var (_, value) in filters)
        {
            command.Parameters.Add(new() { Value = value });
        }

        return await ReadAllAsync(command, reader => new StoredEvent(
            reader.IsDBNull(1) ? ClickId.Format(reader.GetGuid(0)) : reader.GetString(1),
            reader.GetFieldValue<DateTimeOffset>(2),
            [.. declared.Select((field, i) => reader.IsDBNull(i + 3) ? null
                : field.Type == FieldType.Timestamp ? reader.GetFieldValue<DateTimeOffset>(i + 3).ToUnixTimeMilliseconds()
                : reader.GetValue(i + 3))],
            keepsExtra && !reader.IsDBNull(declared.Length + 3) ? reader.GetString(declared.Length + 3) : null), cancellationToken);
    }

    public async Task<TopValue[]> RollupTopAsync(
        StreamRollup rollup, StreamField by, string measure, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken)
    {
        var (sum, distinct) = StreamRollup.FieldOf(measure);
        await using var command = dataSource.CreateCommand(distinct is not null
            ? $"SELECT \"{by.Name}\", count(DISTINCT value)::double precision AS measure FROM {_schema}.\"{rollup.ValuesTable}\" "
                + "WHERE bucket >= $1 AND bucket < $2 AND field = $4 GROUP BY 1 ORDER BY measure DESC, 1 LIMIT $3"
            : $"SELECT \"{by.Name}\", {(sum is null ? $"sum({rollup.CountColumn})" : $"sum(\"{StreamRollup.SumColumn(sum)}\")")}::double precision AS measure FROM {_schema}.\"{rollup.Table}\" "
                + $"WHERE {rollup.BucketColumn} >= $1 AND {rollup.BucketColumn} < $2 GROUP BY 1 ORDER BY measure DESC, 1 LIMIT $3");
        command.Parameters.Add(new() { Value = from });
        command.Parameters.Add(new() { Value = to });
        command.Parameters.Add(new() { Value = limit });
        if (distinct is not null)
        {
            command.Parameters.Add(new() { Value = distinct });
        }
        return await ReadAllAsync(command, reader => new TopValue(DimensionValues.Format(reader.GetValue(0)), reader.GetDouble(1)), cancellationToken);
    }

    /// <summary>A query of a rollup's buckets in [from, to) with the dimension values of <paramref name="filters"/>.</summary>
    private NpgsqlCommand RollupCommand(
        string select, string bucketColumn, IReadOnlyList<(StreamField Field, object Value)> filters, DateTimeOffset from, DateTimeOffset to, string groupBy)
    {
        var command = dataSource.CreateCommand(
            select + $" WHERE {bucketColumn} >= $1 AND {bucketColumn} < $2" + string.Concat(filters.Select((filter, i) => $" AND \"{filter.Field.Name}\" = ${i + 3}")) + groupBy);
        command.Parameters.Add(new() { Value = from });
        command.Parameters.Add(new() { Value = to });
        foreach (var (_, value) in filters)
        {
            command.Parameters.Add(new() { Value = value });
        }

        return command;
    }

    public async Task<(LedgerTotals Totals, LedgerEntry[] Entries)> LedgerAsync(
        string stream, DateTimeOffset from, DateTimeOffset to, long after, int limit, CancellationToken cancellationToken)
    {
        const string range = "stream = $1 AND committed_at >= $2 AND committed_at < $3";
        await using var totals = dataSource.CreateCommand(
            $"SELECT count(*), coalesce(sum(events), 0)::bigint, coalesce(bit_xor(checksum), 0) FROM {_schema}.drain_ledger WHERE {range}");
        totals.Parameters.Add(new() { Value = stream });
        totals.Parameters.Add(new() { Value = from });
        totals.Parameters.Add(new() { Value = to });
        var total = (await ReadAllAsync(totals, reader => new LedgerTotals(reader.GetInt64(0), reader.GetInt64(1), LedgerCommit.Format(reader.GetInt64(2))), cancellationToken))[0];
        await using var entries = dataSource.CreateCommand(
            $"SELECT id, private_list, partition, start_position, end_position, events, checksum, committed_at FROM {_schema}.drain_ledger WHERE {range} AND id > $4 ORDER BY id LIMIT $5");
        entries.Parameters.Add(new() { Value = stream });
        entries.Parameters.Add(new() { Value = from });
        entries.Parameters.Add(new() { Value = to });
        entries.Parameters.Add(new() { Value = after });
        entries.Parameters.Add(new() { Value = limit });
        return (total, await ReadAllAsync(entries, reader => new LedgerEntry(
            reader.GetInt64(0), StreamSinks.Postgres, reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt32(5),
            LedgerCommit.Format(reader.GetInt64(6)), reader.GetFieldValue<DateTimeOffset>(7)), cancellationToken));
    }

    private static async Task<T[]> ReadAllAsync<T>(NpgsqlCommand command, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return [.. rows];
    }
}
