using ParquetSharp;

namespace ClickOrleans.Bench.ParquetChoice;

/// <summary>ParquetSharp (Apache Arrow's C++ Parquet writer through P/Invoke): columns written from spans of the arrays.</summary>
internal sealed class ParquetSharpCandidate(Compression compression) : Candidate("ParquetSharp 25.0.1.2", $"{compression} (its default level)")
{
    private static Column[] Columns() =>
    [
        new Column<Guid>("id"),
        new Column<string>("client_id"),
        new Column<DateTime>("ts", LogicalType.Timestamp(isAdjustedToUtc: true, timeUnit: TimeUnit.Millis)),
        new Column<long>("uid"),
        new Column<long>("pid"),
    ];

    public override Task WriteAsync(ClickColumns clicks, int rowGroup, string path)
    {
        using var writer = new ParquetFileWriter(path, Columns(), compression);
        for (var start = 0; start < clicks.Count; start += rowGroup)
        {
            var length = Math.Min(rowGroup, clicks.Count - start);
            using var group = writer.AppendRowGroup();
            Write(group, clicks.Ids.AsSpan(start, length));
            Write<string>(group, clicks.ClientIds.AsSpan(start, length)!);
            Write(group, clicks.Times.AsSpan(start, length));
            Write(group, clicks.Uids.AsSpan(start, length));
            Write(group, clicks.Pids.AsSpan(start, length));
        }

        writer.Close();
        return Task.CompletedTask;
    }

    private static void Write<T>(RowGroupWriter group, ReadOnlySpan<T> values)
    {
        using var column = group.NextColumn().LogicalWriter<T>();
        column.WriteBatch(values);
    }
}
