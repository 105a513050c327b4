using System.IO.Compression;
using ClickOrleans.Streams;
using Parquet;
using Parquet.Schema;

namespace ClickOrleans.Sinks.Parquet;

/// <summary>
/// Rows of a stream as one Parquet file with typed columns: <c>event_id</c> (uuid), <c>client_id</c>, <c>ts</c>
/// (timestamp, UTC, milliseconds), each declared field of the rows' schema version (nullable, of its type; a decimal
/// with its precision and scale) and, for a stream that keeps them, <c>extra</c> (JSON text). Zstd at its fastest level:
/// as fast as Snappy and a third smaller (bench/results.md, "The archive's Parquet library").
/// </summary>
internal static class ParquetColumns
{
    internal static readonly ParquetOptions Options = new() { CompressionMethod = CompressionMethod.Zstd, CompressionLevel = CompressionLevel.Fastest };

    public static async Task WriteAsync(Stream file, EventRules rules, EventRows rows, int[] selected, CancellationToken cancellationToken)
    {
        var declared = rules.Declared;
        var eventId = new DataField<Guid>("event_id");
        var clientId = new DataField<string>("client_id", true);
        var ts = new DateTimeDataField("ts", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Millis);
        var fields = declared.Select(Field).ToArray();
        var extra = rules.Shape.KeepsExtra ? new DataField<string>("extra", true) : null;
        var schema = new ParquetSchema([eventId, clientId, ts, .. fields, .. extra is null ? Array.Empty<Field>() : [extra]]);

        await using var writer = await ParquetWriter.CreateAsync(schema, file, Options, cancellationToken: cancellationToken);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(eventId, Column(selected, row => rows.EventIds[row]), cancellationToken: cancellationToken);
        await group.WriteAsync(clientId, selected.Select(row => rows.ClientIds[row]).ToArray()!);
        await group.WriteAsync(ts, Column(selected, row => Time(rows.Timestamps[row])), cancellationToken: cancellationToken);
        for (var field = 0; field < declared.Count; field++)
        {
            var slot = rules.SlotOf(field);
            var f = field;
            switch (declared[field].Type)
            {
                case FieldType.Int64:
                    await group.WriteAsync(fields[field], Optional(selected, row => rows.Has(row, f), row => rows.LongAt(row, slot)), cancellationToken: cancellationToken);
                    break;
                case FieldType.Timestamp:
                    await group.WriteAsync(fields[field], Optional(selected, row => rows.Has(row, f), row => Time(rows.LongAt(row, slot))), cancellationToken: cancellationToken);
                    break;
                case FieldType.Bool:
                    await group.WriteAsync(fields[field], Optional(selected, row => rows.Has(row, f), row => rows.LongAt(row, slot) != 0), cancellationToken: cancellationToken);
                    break;
                case FieldType.Float64:
                    await group.WriteAsync(fields[field], Optional(selected, row => rows.Has(row, f), row => rows.DoubleAt(row, slot)), cancellationToken: cancellationToken);
                    break;
                case FieldType.Uuid:
                    await group.WriteAsync(fields[field], Optional(selected, row => rows.Has(row, f), row => rows.UuidAt(row, slot)), cancellationToken: cancellationToken);
                    break;
                case FieldType.Decimal:
                    await group.WriteAsync(fields[field], Optional(selected, row => rows.Has(row, f), row => rows.DecimalAt(row, slot)), cancellationToken: cancellationToken);
                    break;
                default:
                    await group.WriteAsync(fields[field], selected.Select(row => rows.Has(row, f) ? rows.StringAt(row, slot) : null).ToArray()!);
                    break;
            }
        }

        if (extra is not null)
        {
            await group.WriteAsync(extra, selected.Select(row => rows.Extra[row]).ToArray()!);
        }
    }

    private static DataField Field(StreamField field) => field.Type switch
    {
        FieldType.Int64 => new DataField<long?>(field.Name),
        FieldType.Timestamp => new DateTimeDataField(field.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Millis, isNullable: true),
        FieldType.Bool => new DataField<bool?>(field.Name),
        FieldType.Float64 => new DataField<double?>(field.Name),
        FieldType.Uuid => new DataField<Guid?>(field.Name),
        FieldType.Decimal => new DecimalDataField(field.Name, field.Precision ?? 28, field.Scale ?? 0, isNullable: true),
        _ => new DataField<string>(field.Name, true),
    };

    private static DateTime Time(long unixMs) => DateTime.UnixEpoch.AddMilliseconds(unixMs);

    private static ReadOnlyMemory<T> Column<T>(int[] selected, Func<int, T> value)
    {
        var column = new T[selected.Length];
        for (var i = 0; i < selected.Length; i++)
        {
            column[i] = value(selected[i]);
        }

        return column;
    }

    private static ReadOnlyMemory<T?> Optional<T>(int[] selected, Func<int, bool> has, Func<int, T> value)
        where T : struct
    {
        var column = new T?[selected.Length];
        for (var i = 0; i < selected.Length; i++)
        {
            column[i] = has(selected[i]) ? value(selected[i]) : null;
        }

        return column;
    }
}
