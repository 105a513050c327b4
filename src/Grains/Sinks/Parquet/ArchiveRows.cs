using System.Runtime.CompilerServices;
using ClickOrleans.Streams;
using Parquet;
using Parquet.Schema;

namespace ClickOrleans.Sinks.Parquet;

/// <summary>
/// An archive file read back into <see cref="EventRows"/> laid out by the stream's current rules, one row group at a
/// time, in rows of at most a chunk: memory holds one row group (up to <see cref="ParquetMerge.RowGroupRows"/> rows).
/// A field the file has no column for (added after it was written) is absent from its rows.
/// </summary>
internal static class ArchiveRows
{
    /// <param name="firstPosition">The position of the file's first row; the rows after it count on from there.</param>
    public static async IAsyncEnumerable<EventRows> ReadAsync(
        string path, EventRules rules, int chunk, long firstPosition, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellationToken);
        var columns = reader.Schema.DataFields.ToDictionary(field => field.Name, StringComparer.Ordinal);
        var position = firstPosition;
        for (var group = 0; group < reader.RowGroupCount; group++)
        {
            using var rowGroup = reader.OpenRowGroupReader(group);
            var count = checked((int)rowGroup.RowCount);
            var read = new ColumnReader(rowGroup, columns, count, cancellationToken);
            var ids = await read.ValuesAsync<Guid>("event_id") ?? throw Missing(path, "event_id");
            var clientIds = await read.StringsAsync("client_id");
            var times = await read.ValuesAsync<DateTime>("ts") ?? throw Missing(path, "ts");
            var fields = new Array?[rules.Declared.Count];
            for (var field = 0; field < fields.Length; field++)
            {
                var declared = rules.Declared[field];
                fields[field] = declared.Type switch
                {
                    FieldType.Int64 => await read.NullableAsync<long>(declared.Name),
                    FieldType.Timestamp => await read.NullableAsync<DateTime>(declared.Name),
                    FieldType.Bool => await read.NullableAsync<bool>(declared.Name),
                    FieldType.Float64 => await read.NullableAsync<double>(declared.Name),
                    FieldType.Decimal => await read.NullableAsync<decimal>(declared.Name),
                    FieldType.Uuid => await read.NullableAsync<Guid>(declared.Name),
                    _ => await read.StringsAsync(declared.Name),
                };
            }

            var extra = rules.Shape.KeepsExtra ? await read.StringsAsync("extra") : null;
            for (var start = 0; start < count; start += chunk)
            {
                var rows = rules.NewRows(Math.Min(chunk, count - start));
                for (var at = start; at < start + rows.Positions.Length; at++)
                {
                    var row = rows.Add(position++, ids[at], clientIds?[at], new DateTimeOffset(times[at], TimeSpan.Zero).ToUnixTimeMilliseconds());
                    for (var field = 0; field < fields.Length; field++)
                    {
                        Fill(rows, row, field, rules.SlotOf(field), fields[field], at);
                    }

                    if (extra is not null)
                    {
                        rows.Extra[row] = extra[at];
                    }
                }

                yield return rows;
            }
        }
    }

    private static InvalidDataException Missing(string path, string column) => new($"The archive file '{path}' has no {column} column: it was not written by ClickOrleans.");

    private static void Fill(EventRows rows, int row, int field, int slot, Array? values, int at)
    {
        var shape = rows.Shape;
        var present = true;
        switch (values)
        {
            case DateTime?[] times when times[at] is { } time:
                rows.Longs[(row * shape.Longs) + slot] = new DateTimeOffset(time, TimeSpan.Zero).ToUnixTimeMilliseconds();
                break;
            case bool?[] flags when flags[at] is { } flag:
                rows.Longs[(row * shape.Longs) + slot] = flag ? 1 : 0;
                break;
            case long?[] longs when longs[at] is { } number:
                rows.Longs[(row * shape.Longs) + slot] = number;
                break;
            case double?[] doubles when doubles[at] is { } real:
                rows.Doubles[(row * shape.Doubles) + slot] = real;
                break;
            case decimal?[] decimals when decimals[at] is { } exact:
                rows.Decimals[(row * shape.Decimals) + slot] = exact;
                break;
            case Guid?[] uuids when uuids[at] is { } uuid:
                rows.Uuids[(row * shape.Uuids) + slot] = uuid;
                break;
            case string?[] strings when strings[at] is { } text:
                rows.Strings[(row * shape.Strings) + slot] = text;
                break;
            default:
                present = false;
                break;
        }

        rows.Present[(row * shape.Fields) + field] = present;
    }

    /// <summary>The columns of one row group, each read whole; null for a column the file does not have.</summary>
    private sealed class ColumnReader(ParquetRowGroupReader group, Dictionary<string, DataField> columns, int count, CancellationToken cancellationToken)
    {
        public Task<T[]?> ValuesAsync<T>(string name)
            where T : struct => ReadAsync<T>(name, async (field, values) => await group.ReadAsync(field, values, null, cancellationToken));

        public Task<T?[]?> NullableAsync<T>(string name)
            where T : struct => ReadAsync<T?>(name, async (field, values) => await group.ReadAsync(field, values, null, cancellationToken));

        public Task<string?[]?> StringsAsync(string name) =>
            ReadAsync<string?>(name, async (field, values) => await group.ReadAsync(field, values, null, cancellationToken));

        private async Task<T[]?> ReadAsync<T>(string name, Func<DataField, Memory<T>, Task> read)
        {
            if (!columns.TryGetValue(name, out var field))
            {
                return null;
            }

            var values = new T[count];
            await read(field, values);
            return values;
        }
    }
}
