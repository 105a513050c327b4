using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using ClickOrleans.Drain;

namespace ClickOrleans.Streams;

public sealed partial class EventRules
{
    // The fields of the stream's first index: a partition's rows are written in its order (see Sort).
    private readonly int[] _sortBy;

    /// <summary>
    /// The key that picks a row's sink partition (<see cref="SinkPartition"/>): a hash of the values of the fields a
    /// list was split by, the same on every silo and release; the event id's last 8 bytes when split by id.
    /// </summary>
    /// <param name="fields">What <see cref="PartitionFields"/> gave for the list; null: by event id.</param>
    public long PartitionKey(EventRows rows, int row, int[]? fields)
    {
        if (fields is null)
        {
            Span<byte> id = stackalloc byte[16];
            rows.EventIds[row].TryWriteBytes(id);
            return BinaryPrimitives.ReadInt64LittleEndian(id[8..]);
        }

        // The built-in stream has split its lists by the product id itself since before streams were declared.
        if (_seedFormat && fields.Length == 1 && _declared[fields[0]].Type == FieldType.Int64)
        {
            return rows.LongAt(row, _slots[fields[0]]);
        }

        // XxHash64 of the values' canonical bytes, each followed by a separator: ("ab", "c") and ("a", "bc") differ.
        var size = 0;
        foreach (var field in fields)
        {
            size += 1 + (_declared[field].Type == FieldType.String ? Encoding.UTF8.GetMaxByteCount(rows.StringAt(row, _slots[field])!.Length) : 8);
        }

        var rented = size > 1024 ? ArrayPool<byte>.Shared.Rent(size) : null;
        Span<byte> bytes = rented ?? stackalloc byte[1024];
        var at = 0;
        foreach (var field in fields)
        {
            var slot = _slots[field];
            switch (_declared[field].Type)
            {
                case FieldType.String:
                    at += Encoding.UTF8.GetBytes(rows.StringAt(row, slot)!, bytes[at..]);
                    break;
                case FieldType.Int64:
                    BinaryPrimitives.WriteInt64LittleEndian(bytes[at..], rows.LongAt(row, slot));
                    at += 8;
                    break;
                case FieldType.Bool:
                    bytes[at++] = rows.LongAt(row, slot) != 0 ? (byte)1 : (byte)0;
                    break;
            }

            bytes[at++] = 0xff;
        }

        var key = (long)XxHash64.HashToUInt64(bytes[..at]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return key;
    }

    /// <summary>
    /// Sorts a partition's rows by the stream's first index (its fields, then ts), so that they reach the store's index
    /// in key order, page after page; rows of a stream without indexes keep their order.
    /// </summary>
    public void Sort(EventRows rows, int[] partition)
    {
        if (_sortBy.Length == 0)
        {
            return;
        }

        if (_sortBy.Length == 1 && KindOf(_declared[_sortBy[0]].Type) == ValueKind.Long)
        {
            // The common case, clicks' (uid, ts): one integer and the time, compared without a delegate.
            var keys = new LongKey[partition.Length];
            var slot = _slots[_sortBy[0]];
            for (var i = 0; i < partition.Length; i++)
            {
                var row = partition[i];
                keys[i] = new LongKey(rows.LongAt(row, slot), rows.Timestamps[row], row);
            }

            keys.AsSpan().Sort();
            for (var i = 0; i < keys.Length; i++)
            {
                partition[i] = keys[i].Row;
            }

            return;
        }

        Array.Sort(partition, (x, y) => CompareByIndex(rows, x, y));
    }

    private int CompareByIndex(EventRows rows, int x, int y)
    {
        foreach (var field in _sortBy)
        {
            var slot = _slots[field];
            var order = KindOf(_declared[field].Type) switch
            {
                ValueKind.Long => rows.LongAt(x, slot).CompareTo(rows.LongAt(y, slot)),
                ValueKind.Uuid => rows.UuidAt(x, slot).CompareTo(rows.UuidAt(y, slot)),
                _ => string.CompareOrdinal(rows.StringAt(x, slot), rows.StringAt(y, slot)),
            };
            if (order != 0)
            {
                return order;
            }
        }

        return rows.Timestamps[x].CompareTo(rows.Timestamps[y]);
    }

    private readonly record struct LongKey(long Value, long Timestamp, int Row) : IComparable<LongKey>
    {
        public int CompareTo(LongKey other)
        {
            var order = Value.CompareTo(other.Value);
            return order != 0 ? order : Timestamp.CompareTo(other.Timestamp);
        }
    }
}
