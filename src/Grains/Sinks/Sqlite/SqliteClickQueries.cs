using ClickOrleans.Queries;
using ClickOrleans.Staging;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Sinks.Sqlite;

/// <summary>Reads the embedded SQLite file on connections of its own: WAL lets them run beside the writer.</summary>
public sealed class SqliteClickQueries(IOptions<SqliteSinkOptions> options) : IClickQueries
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = Path.GetFullPath(options.Value.Path),
        Mode = SqliteOpenMode.ReadOnly,
    }.ToString();

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

    private async Task<T[]> ReadAllAsync<T>(string sql, object[] parameters, Func<SqliteDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
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
