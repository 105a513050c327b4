using System.IO.Compression;
using Parquet;
using Parquet.Schema;

namespace ClickOrleans.Bench.ParquetChoice;

/// <summary>
/// Parquet.Net (fully managed): columns written from <see cref="ReadOnlyMemory{T}"/> slices of the arrays, at a .NET
/// compression level (its default, SmallestSize, is Zstd's slowest).
/// </summary>
internal sealed class ParquetNetCandidate(CompressionMethod compression, CompressionLevel level)
    : Candidate("Parquet.Net 6.1.0", $"{compression} ({level})")
{
    private static readonly DataField<Guid> Id = new("id");
    private static readonly DataField<string> ClientId = new("client_id", true);
    private static readonly DateTimeDataField Ts = new("ts", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Millis);
    private static readonly DataField<long> Uid = new("uid");
    private static readonly DataField<long> Pid = new("pid");
    private static readonly ParquetSchema Schema = new(Id, ClientId, Ts, Uid, Pid);

    public override async Task WriteAsync(ClickColumns clicks, int rowGroup, string path)
    {
        await using var file = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(Schema, file, new ParquetOptions { CompressionMethod = compression, CompressionLevel = level });
        for (var start = 0; start < clicks.Count; start += rowGroup)
        {
            var length = Math.Min(rowGroup, clicks.Count - start);
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(Id, new ReadOnlyMemory<Guid>(clicks.Ids, start, length));
            await group.WriteAsync(ClientId, new ArraySegment<string?>(clicks.ClientIds, start, length)!);
            await group.WriteAsync(Ts, new ReadOnlyMemory<DateTime>(clicks.Times, start, length));
            await group.WriteAsync(Uid, new ReadOnlyMemory<long>(clicks.Uids, start, length));
            await group.WriteAsync(Pid, new ReadOnlyMemory<long>(clicks.Pids, start, length));
        }
    }
}
