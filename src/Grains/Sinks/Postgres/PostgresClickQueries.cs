using ClickOrleans.Queries;
using ClickOrleans.Staging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClickOrleans.Sinks.Postgres;

/// <summary>The query API's reads of the PostgreSQL sink.</summary>
public sealed class PostgresClickQueries(NpgsqlDataSource dataSource, IOptions<PostgresSinkOptions> options) : IClickQueries
{
    private readonly string _schema = options.Value.Schema;

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
