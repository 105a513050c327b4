using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using ClickOrleans.Streams;

namespace ClickOrleans.Sinks.Postgres;

/// <summary>
/// Rows as PostgreSQL's binary COPY stream for <c>(event_id, client_id, ts, &lt;declared fields&gt;[, extra])</c>, written
/// straight from their typed columns into one pooled buffer: no per-row or per-field calls into the driver, no boxing.
/// </summary>
internal sealed class PostgresCopyRows : IDisposable
{
    // "PGCOPY\n\377\r\n\0", then 32-bit flags and header extension length, both zero.
    private static ReadOnlySpan<byte> Header => [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];

    // PostgreSQL counts timestamps in microseconds from 2000-01-01 UTC.
    private const long PostgresEpochMs = 946_684_800_000;

    // A numeric of a .NET decimal: 4 int16 of header and at most 8 base-10000 digits (96 bits and 3 digits of alignment).
    private const int MaxNumericSize = 8 + (2 * 8);

    private readonly byte[] _buffer;

    public PostgresCopyRows(EventRules rules, EventRows rows, ReadOnlySpan<int> selected)
    {
        var fields = rules.Declared;
        var fixedSize = 2 + (4 + 16) + 4 + (4 + 8) + (rules.Shape.KeepsExtra ? 4 + 1 : 0);
        foreach (var field in fields)
        {
            fixedSize += 4 + field.Type switch
            {
                FieldType.Bool => 1,
                FieldType.Uuid => 16,
                FieldType.Decimal => MaxNumericSize,
                FieldType.String => 0,
                _ => 8,
            };
        }

        var size = Header.Length + 2 + (fixedSize * selected.Length);
        foreach (var row in selected)
        {
            size += rows.ClientIds[row] is { } clientId ? Encoding.UTF8.GetByteCount(clientId) : 0;
            for (var slot = 0; slot < rules.Shape.Strings; slot++)
            {
                size += rows.StringAt(row, slot) is { } text ? Encoding.UTF8.GetByteCount(text) : 0;
            }

            size += rules.Shape.KeepsExtra && rows.Extra[row] is { } extra ? Encoding.UTF8.GetByteCount(extra) : 0;
        }

        _buffer = ArrayPool<byte>.Shared.Rent(size);
        Length = Write(_buffer, rules, rows, selected);
    }

    public int Length { get; }

    public ReadOnlyMemory<byte> Data => _buffer.AsMemory(0, Length);

    public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);

    private static int Write(Span<byte> destination, EventRules rules, EventRows rows, ReadOnlySpan<int> selected)
    {
        var fields = rules.Declared;
        var columns = (short)(3 + fields.Count + (rules.Shape.KeepsExtra ? 1 : 0));
        Header.CopyTo(destination);
        var at = Header.Length;
        foreach (var row in selected)
        {
            BinaryPrimitives.WriteInt16BigEndian(destination[at..], columns);
            at += 2;
            BinaryPrimitives.WriteInt32BigEndian(destination[at..], 16);
            rows.EventIds[row].TryWriteBytes(destination[(at + 4)..], bigEndian: true, out _);
            at += 4 + 16;
            at = WriteText(destination, at, rows.ClientIds[row]);
            at = WriteInt64(destination, at, (rows.Timestamps[row] - PostgresEpochMs) * 1000);
            for (var field = 0; field < fields.Count; field++)
            {
                if (!rows.Has(row, field))
                {
                    BinaryPrimitives.WriteInt32BigEndian(destination[at..], -1);
                    at += 4;
                    continue;
                }

                var slot = rules.SlotOf(field);
                switch (fields[field].Type)
                {
                    case FieldType.Int64:
                        at = WriteInt64(destination, at, rows.LongAt(row, slot));
                        break;
                    case FieldType.Timestamp:
                        at = WriteInt64(destination, at, (rows.LongAt(row, slot) - PostgresEpochMs) * 1000);
                        break;
                    case FieldType.Bool:
                        BinaryPrimitives.WriteInt32BigEndian(destination[at..], 1);
                        destination[at + 4] = rows.LongAt(row, slot) != 0 ? (byte)1 : (byte)0;
                        at += 5;
                        break;
                    case FieldType.Float64:
                        BinaryPrimitives.WriteInt32BigEndian(destination[at..], 8);
                        BinaryPrimitives.WriteDoubleBigEndian(destination[(at + 4)..], rows.DoubleAt(row, slot));
                        at += 12;
                        break;
                    case FieldType.Uuid:
                        BinaryPrimitives.WriteInt32BigEndian(destination[at..], 16);
                        rows.UuidAt(row, slot).TryWriteBytes(destination[(at + 4)..], bigEndian: true, out _);
                        at += 20;
                        break;
                    case FieldType.Decimal:
                        var length = PostgresNumeric.Write(destination[(at + 4)..], rows.DecimalAt(row, slot));
                        BinaryPrimitives.WriteInt32BigEndian(destination[at..], length);
                        at += 4 + length;
                        break;
                    default:
                        at = WriteText(destination, at, rows.StringAt(row, slot));
                        break;
                }
            }

            if (rules.Shape.KeepsExtra)
            {
                at = WriteJsonb(destination, at, rows.Extra[row]);
            }
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

    private static int WriteText(Span<byte> destination, int at, string? text)
    {
        if (text is null)
        {
            BinaryPrimitives.WriteInt32BigEndian(destination[at..], -1);
            return at + 4;
        }

        var length = Encoding.UTF8.GetBytes(text, destination[(at + 4)..]);
        BinaryPrimitives.WriteInt32BigEndian(destination[at..], length);
        return at + 4 + length;
    }

    // jsonb's binary form: a version byte (1), then the JSON text.
    private static int WriteJsonb(Span<byte> destination, int at, string? json)
    {
        if (json is null)
        {
            BinaryPrimitives.WriteInt32BigEndian(destination[at..], -1);
            return at + 4;
        }

        destination[at + 4] = 1;
        var length = Encoding.UTF8.GetBytes(json, destination[(at + 5)..]);
        BinaryPrimitives.WriteInt32BigEndian(destination[at..], length + 1);
        return at + 5 + length;
    }
}
