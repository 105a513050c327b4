using ClickOrleans.Queries;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Sinks.Sqlite;

/// <summary>Reads the embedded SQLite file on connections of its own: WAL lets them run beside the writer.</summary>
public sealed class SqliteSinkQueries(IOptions<SqliteSinkOptions> options) : ISinkQueries
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = Path.GetFullPath(options.Value.Path),
        Mode = SqliteOpenMode.ReadOnly,
    }.ToString();

    public async Task<string?> DefinitionAsync(string stream, string version, CancellationToken cancellationToken) =>
        (await ReadAllAsync("SELECT definition FROM stream_schemas WHERE stream = $1 AND version = $2", [stream, version], reader => reader.GetString(0), cancellationToken))
        .SingleOrDefault();

    public Task<MinuteClicks[]> ProductMinutesAsync(long pid, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        ReadAllAsync(
            "SELECT minute, clicks FROM product_clicks_minute WHERE pid = $1 AND minute >= $2 AND minute < $3 ORDER BY minute",
            [pid, from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds()],
            reader => new MinuteClicks(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)), reader.GetInt64(1)),
            cancellationToken);

    public Task<TopProduct[]> TopProductsAsync(DateTimeOffset since, DateTimeOffset until, int limit, CancellationToken cancellationToken) =>
        ReadAllAsync(
            "SELECT pid, sum(clicks) AS total FROM product_clicks_minute WHERE minute >= $1 AND minute < $2 GROUP BY pid ORDER BY total DESC, pid LIMIT $3",
            [since.ToUnixTimeMilliseconds(), until.ToUnixTimeMilliseconds(), limit],
            reader => new TopProduct(reader.GetInt64(0), reader.GetInt64(1)),
            cancellationToken);

    public Task<UserClick[]> UserClicksAsync(long uid, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken) =>
        ReadAllAsync(
            "SELECT event_id, client_id, pid, ts FROM clicks WHERE uid = $1 AND ts >= $2 AND ts < $3 ORDER BY ts DESC, event_id DESC LIMIT $4",
            [uid, from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), limit],
            reader => new UserClick(
                reader.IsDBNull(1) ? ClickId.Format(new Guid(reader.GetFieldValue<byte[]>(0), bigEndian: true)) : reader.GetString(1),
                reader.GetInt64(2),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))),
            cancellationToken);

    public async Task<RollupBucket[]> RollupAsync(
        StreamRollup rollup, IReadOnlyList<(StreamField Field, object Value)> filters, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        object[] parameters = [from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), .. filters.Select(filter => filter.Value is bool flag ? (flag ? 1L : 0L) : filter.Value)];
        string Where(string bucket) => $" WHERE {bucket} >= $1 AND {bucket} < $2" + string.Concat(filters.Select((filter, i) => $" AND \"{filter.Field.Name}\" = ${i + 3}"));
        var buckets = await ReadAllAsync(
            $"SELECT {rollup.BucketColumn}, sum({rollup.CountColumn}){string.Concat(rollup.Sums.Select(name => $", total(\"{StreamRollup.SumColumn(name)}\")"))} FROM \"{rollup.Table}\"{Where(rollup.BucketColumn)} GROUP BY 1 ORDER BY 1",
            parameters,
            reader => new RollupBucket(
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)),
                reader.GetInt64(1),
                rollup.Sums.Select((name, i) => (name, i)).ToDictionary(sum => sum.name, sum => reader.GetDouble(sum.i + 2), StringComparer.Ordinal)),
            cancellationToken);
        if (rollup.Distinct.Count == 0)
        {
            return buckets;
        }

        var counts = await ReadAllAsync(
            $"SELECT bucket, field, count(DISTINCT value) FROM \"{rollup.ValuesTable}\"{Where("bucket")} GROUP BY bucket, field",
            parameters,
            reader => (Bucket: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)), Field: reader.GetString(1), Count: reader.GetInt64(2)),
            cancellationToken);
        return RollupDistinct.Merge(buckets, rollup, counts);
    }

    public Task<TopValue[]> RollupTopAsync(
        StreamRollup rollup, StreamField by, string measure, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken)
    {
        var (sum, distinct) = StreamRollup.FieldOf(measure);
        return ReadAllAsync(
            distinct is not null
                ? $"SELECT \"{by.Name}\", CAST(count(DISTINCT value) AS REAL) AS measure FROM \"{rollup.ValuesTable}\" "
                    + "WHERE bucket >= $1 AND bucket < $2 AND field = $4 GROUP BY 1 ORDER BY measure DESC, 1 LIMIT $3"
                : $"SELECT \"{by.Name}\", {(sum is null ? $"total({rollup.CountColumn})" : $"total(\"{StreamRollup.SumColumn(sum)}\")")} AS measure FROM \"{rollup.Table}\" "
                    + $"WHERE {rollup.BucketColumn} >= $1 AND {rollup.BucketColumn} < $2 GROUP BY 1 ORDER BY measure DESC, 1 LIMIT $3",
            distinct is null ? [from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), limit] : [from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), limit, distinct],
            // Booleans are stored as 0 and 1.
            reader => new TopValue(DimensionValues.Format(by.Type == FieldType.Bool ? reader.GetInt64(0) != 0 : reader.GetValue(0)), reader.GetDouble(1)),
            cancellationToken);
    }

    public Task<StoredEvent[]> EventsAsync(
        StreamSchema stream, IReadOnlyList<(StreamField Field, object Value)> filters, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken)
    {
        StreamField[] declared = [.. stream.Fields.Skip(2)];
        var keepsExtra = stream.Extra == ExtraProperties.Keep;
        return ReadAllAsync(
            $"SELECT event_id, client_id, ts{string.Concat(declared.Select(field => $", \"{field.Name}\""))}{(keepsExtra ? ", extra" : "")} "
            + $"FROM \"{stream.Table}\" WHERE ts >= $1 AND ts < $2"
            + string.Concat(filters.Select((filter, i) => $" AND \"{filter.Field.Name}\" = ${i + 4}"))
            + " ORDER BY ts DESC, event_id DESC LIMIT $3",
            [from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), limit, .. filters.Select(filter => filter.Value switch
            {
                bool flag => flag ? 1L : 0L,
                Guid uuid => uuid.ToString("D"),
                var value => value,
            })],
            reader => new StoredEvent(
                reader.IsDBNull(1) ? ClickId.Format(new Guid(reader.GetFieldValue<byte[]>(0), bigEndian: true)) : reader.GetString(1),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                [.. declared.Select((field, i) => reader.IsDBNull(i + 3) ? null : Read(reader, i + 3, field.Type))],
                keepsExtra && !reader.IsDBNull(declared.Length + 3) ? reader.GetString(declared.Length + 3) : null),
            cancellationToken);
    }

    /// <summary>A stored value as <see cref="StoredEvent.Values"/> holds it: booleans are stored as 0 and 1, uuids and decimals as text.</summary>
    private static object Read(SqliteDataReader reader, int column, FieldType type) => type switch
    {
        FieldType.Int64 or FieldType.Timestamp => reader.GetInt64(column),
        FieldType.Bool => reader.GetInt64(column) != 0,
        FieldType.Float64 => reader.GetDouble(column),
        FieldType.Uuid => Guid.Parse(reader.GetString(column)),
        FieldType.Decimal => decimal.Parse(reader.GetString(column), System.Globalization.CultureInfo.InvariantCulture),
        _ => reader.GetString(column),
    };

    public async Task<(LedgerTotals Totals, LedgerEntry[] Entries)> LedgerAsync(
        string stream, DateTimeOffset from, DateTimeOffset to, long after, int limit, CancellationToken cancellationToken)
    {
        const string range = "stream = $1 AND committed_at >= $2 AND committed_at < $3";
        object[] parameters = [stream, from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), after, limit];
        var totals = await ReadAllAsync(
            $"SELECT count(*), coalesce(sum(events), 0), coalesce(bit_xor(checksum), 0) FROM drain_ledger WHERE {range}",
            parameters[..3],
            reader => new LedgerTotals(reader.GetInt64(0), reader.GetInt64(1), LedgerCommit.Format(reader.GetInt64(2))),
            cancellationToken);
        var entries = await ReadAllAsync(
            $"SELECT id, private_list, partition, start_position, end_position, events, checksum, committed_at FROM drain_ledger WHERE {range} AND id > $4 ORDER BY id LIMIT $5",
            parameters,
            reader => new LedgerEntry(
                reader.GetInt64(0), StreamSinks.Sqlite, reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt32(5),
                LedgerCommit.Format(reader.GetInt64(6)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7))),
            cancellationToken);
        return (totals[0], entries);
    }

    private async Task<T[]> ReadAllAsync<T>(string sql, object[] parameters, Func<SqliteDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // PostgreSQL's aggregate of the same name, for the ledger's checksums.
        connection.CreateAggregate("bit_xor", 0L, (long xor, long value) => xor ^ value);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < parameters.Length; i++)
        {
            command.Parameters.AddWithValue("$" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), parameters[i]);
        }

        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return [.. rows];
    }
}
