using DuckDB.NET.Data;

namespace ClickOrleans.Bench.ParquetChoice;

/// <summary>DuckDB, the reader data miners use, reads a written file back: what it finds must be what was written.</summary>
internal static class DuckDbReader
{
    public static (long Rows, long UidSum, long PidSum, long DistinctIds, long ClientIds) Read(string path)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText =
            $"SELECT count(*), sum(uid)::BIGINT, sum(pid)::BIGINT, count(DISTINCT id), count(client_id) FROM read_parquet('{path.Replace("'", "''", StringComparison.Ordinal)}')";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (Convert.ToInt64(reader.GetValue(0)), Convert.ToInt64(reader.GetValue(1)), Convert.ToInt64(reader.GetValue(2)),
            Convert.ToInt64(reader.GetValue(3)), Convert.ToInt64(reader.GetValue(4)));
    }
}
