using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ClickOrleans.Sinks.Postgres;

/// <summary>
/// Clicks as PostgreSQL's binary COPY stream for <c>clicks (event_id, client_id, uid, pid, ts)</c>, written straight
/// from the parsed values into one pooled buffer: no per-row or per-field calls into the driver.
/// </summary>
internal sealed class ClickCopyRows : IDisposable
{
    public const string Columns = "(event_id, client_id, uid, pid, ts)";

    // "PGCOPY\n\377\r\n\0", then 32-bit flags and header extension length, both zero.
    private static ReadOnlySpan<byte> Header => [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];

    private const int FieldCount = 5;
    private const int FixedRowSize = 2 + (4 + 16) + 4 + 3 * (4 + 8);

    // PostgreSQL counts timestamps in microseconds from 2000-01-01 UTC.
    private const long PostgresEpochMs = 946_684_800_000;

    private readonly byte[] _buffer;

    public ClickCopyRows(ReadOnlySpan<StagedClick> clicks)
    {
        var size = Header.Length + 2;
        foreach (var click in clicks)
        {
            size += FixedRowSize + (click.ClientId is null ? 0 : Encoding.UTF8.GetByteCount(click.ClientId));
        }

        _buffer = ArrayPool<byte>.Shared.Rent(size);
        Length = Write(_buffer, clicks);
    }

    public int Length { get; }

    public ReadOnlyMemory<byte> Data => _buffer.AsMemory(0, Length);

    public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);

    private static int Write(Span<byte> destination, ReadOnlySpan<StagedClick> clicks)
    {
        Header.CopyTo(destination);
        var at = Header.Length;
        foreach (var click in clicks)
        {
            BinaryPrimitives.WriteInt16BigEndian(destination[at..], FieldCount);
            at += 2;
            BinaryPrimitives.WriteInt32BigEndian(destination[at..], 16);
            click.EventId.TryWriteBytes(destination[(at + 4)..], bigEndian: true, out _);
            at += 4 + 16;
            if (click.ClientId is null)
            {
                BinaryPrimitives.WriteInt32BigEndian(destination[at..], -1);
                at += 4;
            }
            else
            {
                var length = Encoding.UTF8.GetBytes(click.ClientId, destination[(at + 4)..]);
                BinaryPrimitives.WriteInt32BigEndian(destination[at..], length);
                at += 4 + length;
            }

            at = WriteInt64(destination, at, click.Uid);
            at = WriteInt64(destination, at, click.Pid);
            at = WriteInt64(destination, at, (click.TimestampMs - PostgresEpochMs) * 1000);
        }

        BinaryPrimitives.WriteInt16BigEndian(destination[at..], -1);
        return at + 2;
    }

    private static int WriteInt64(Span<byte> destination, int at, long value)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination[at..], 8);
        BinaryPrimitives.WriteInt64BigEndian(destination[(at + 4)..], value);
        return at + 12;
    }
}
