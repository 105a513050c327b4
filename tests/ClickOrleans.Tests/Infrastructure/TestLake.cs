using DuckDB.NET.Data;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>The Parquet archive read as a data miner reads it: DuckDB over the stream's Hive-partitioned files.</summary>
public static class TestLake
{
    /// <summary>DuckDB's <c>read_parquet</c> of every committed file of the stream (<c>*.parquet</c>; temporary files are not data).</summary>
    public static string Files(string lake, string stream) =>
        $"read_parquet('{Path.Combine(lake, "stream=" + stream).Replace("'", "''", StringComparison.Ordinal)}/**/*.parquet', hive_partitioning = true, union_by_name = true)";

    /// <summary>Every event id the archive holds, as often as it holds it.</summary>
    public static IReadOnlyList<Guid> EventIds(string lake, string stream, string where = "true") =>
        Query(lake, stream, $"SELECT event_id FROM {Files(lake, stream)} WHERE {where}", reader => reader.GetGuid(0));

    /// <summary>The events the archive holds and the checksum of their ids, by the README's DuckDB query ("The ledger").</summary>
    public static (long Events, string Checksum) Checksum(string lake, string stream) =>
        Query(lake, stream,
            "SELECT count(*), lpad(printf('%x', coalesce(bit_xor(xor(('0x' || left(h, 16))::UBIGINT, ('0x' || right(h, 16))::UBIGINT)), 0)), 16, '0') "
            + $"FROM (SELECT replace(event_id::VARCHAR, '-', '') AS h FROM {Files(lake, stream)})",
            reader => (reader.GetInt64(0), reader.GetString(1))) is [var answer] ? answer : (0, TestLedger.Xor([]));

    /// <summary>Runs a query over the stream's files (see <see cref="Files"/>) and reads each row.</summary>
    public static IReadOnlyList<T> Query<T>(string lake, string stream, string sql, Func<DuckDBDataReader, T> read)
    {
        if (!Directory.Exists(Path.Combine(lake, "stream=" + stream)) || !Directory.EnumerateFiles(Path.Combine(lake, "stream=" + stream), "*.parquet", SearchOption.AllDirectories).Any())
        {
            return [];
        }

        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }

        return rows;
    }
}
