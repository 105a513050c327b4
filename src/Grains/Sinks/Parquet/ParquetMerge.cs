using Parquet;
using Parquet.Schema;

namespace ClickOrleans.Sinks.Parquet;

/// <summary>
/// Merges archive files of one schema into one file, with Parquet.Net, the library that wrote them: the inputs' row
/// groups read column by column and written again as row groups of up to <see cref="RowGroupRows"/> rows or
/// <see cref="RowGroupBytes"/> bytes, so that memory holds one output row group, however large the inputs.
/// </summary>
internal static class ParquetMerge
{
    /// <summary>DuckDB's own row group size: readers split their work by row group.</summary>
    public const int RowGroupRows = 122_880;

    public const long RowGroupBytes = 64L << 20;

    /// <summary>What files must share to be merged: their columns, with name, type, nullability, unit and precision.</summary>
    public static async Task<string> SchemaOfAsync(string path)
    {
        var schema = await ParquetReader.ReadSchemaAsync(path);
        return string.Join(';', schema.DataFields.Select(field => field switch
        {
            DecimalDataField d => $"{d.Name}:decimal({d.Precision},{d.Scale}):{d.IsNullable}",
            DateTimeDataField t => $"{t.Name}:{t.DateTimeFormat}/{t.Unit}/{t.IsAdjustedToUTC}:{t.IsNullable}",
            _ => $"{field.Name}:{field.ClrType.Name}:{field.IsNullable}",
        }));
    }

    /// <summary>Writes the rows of <paramref name="inputs"/> (of one schema) to <paramref name="output"/> and flushes it to disk.</summary>
    /// <returns>The rows written.</returns>
    public static async Task<long> MergeAsync(IReadOnlyList<string> inputs, string output, CancellationToken cancellationToken)
    {
        var readers = new List<ParquetReader>(inputs.Count);
        try
        {
            foreach (var input in inputs)
            {
                readers.Add(await ParquetReader.CreateAsync(input, cancellationToken: cancellationToken));
            }

            var schema = readers[0].Schema;
            var written = 0L;
            await using var file = new FileStream(output, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            await using (var writer = await ParquetWriter.CreateAsync(schema, file, ParquetColumns.Options, cancellationToken: cancellationToken))
            {
                var pending = new List<ParquetRowGroupReader>();
                var (rows, bytes) = (0L, 0L);
                foreach (var reader in readers)
                {
                    for (var group = 0; group < reader.RowGroupCount; group++)
                    {
                        var rowGroup = reader.OpenRowGroupReader(group);
                        pending.Add(rowGroup);
                        (rows, bytes) = (rows + rowGroup.RowCount, bytes + rowGroup.RowGroup.TotalByteSize);
                        if (rows >= RowGroupRows || bytes >= RowGroupBytes)
                        {
                            written += await WriteRowGroupAsync(writer, schema, pending, cancellationToken);
                            (rows, bytes) = (0, 0);
                        }
                    }
                }

                if (pending.Count > 0)
                {
                    written += await WriteRowGroupAsync(writer, schema, pending, cancellationToken);
                }
            }

            file.Flush(flushToDisk: true);
            return written;
        }
        finally
        {
            foreach (var reader in readers)
            {
                await reader.DisposeAsync();
            }
        }
    }

    /// <summary>One row group of the rows of <paramref name="groups"/>, which are disposed and cleared.</summary>
    private static async Task<long> WriteRowGroupAsync(ParquetWriter writer, ParquetSchema schema, List<ParquetRowGroupReader> groups, CancellationToken cancellationToken)
    {
        try
        {
            var rows = checked((int)groups.Sum(group => group.RowCount));
            using var output = writer.CreateRowGroup();
            foreach (var field in schema.DataFields)
            {
                var column = new Column(field, groups, rows, output, cancellationToken);
                await ((field.ClrType, field.IsNullable) switch
                {
                    (var type, _) when type == typeof(string) || type == typeof(ReadOnlyMemory<char>) => column.CopyStringsAsync(),
                    (var type, false) when type == typeof(Guid) => column.CopyAsync<Guid>(),
                    (var type, false) when type == typeof(DateTime) => column.CopyAsync<DateTime>(),
                    (var type, true) when type == typeof(Guid) => column.CopyNullableAsync<Guid>(),
                    (var type, true) when type == typeof(DateTime) => column.CopyNullableAsync<DateTime>(),
                    (var type, true) when type == typeof(long) => column.CopyNullableAsync<long>(),
                    (var type, true) when type == typeof(bool) => column.CopyNullableAsync<bool>(),
                    (var type, true) when type == typeof(double) => column.CopyNullableAsync<double>(),
                    (var type, true) when type == typeof(decimal) => column.CopyNullableAsync<decimal>(),
                    _ => throw new NotSupportedException($"The archive writes no column like '{field.Name}' ({field.ClrType}, nullable: {field.IsNullable})."),
                });
            }

            return rows;
        }
        finally
        {
            groups.ForEach(group => group.Dispose());
            groups.Clear();
        }
    }

    /// <summary>One column of an output row group, read from each input row group in turn.</summary>
    private sealed class Column(DataField field, List<ParquetRowGroupReader> groups, int rows, ParquetRowGroupWriter output, CancellationToken cancellationToken)
    {
        public Task CopyAsync<T>()
            where T : struct =>
            CopyAsync<T>(
                async (group, slice) => await group.ReadAsync(field, slice, null, cancellationToken),
                async values => await output.WriteAsync<T>(field, values, cancellationToken: cancellationToken));

        public Task CopyNullableAsync<T>()
            where T : struct =>
            CopyAsync<T?>(
                async (group, slice) => await group.ReadAsync(field, slice, null, cancellationToken),
                async values => await output.WriteAsync<T>(field, values, cancellationToken: cancellationToken));

        public Task CopyStringsAsync() =>
            CopyAsync<string?>(
                async (group, slice) => await group.ReadAsync(field, slice, null, cancellationToken),
                async values => await output.WriteAsync(field, values!));

        private async Task CopyAsync<TValue>(Func<ParquetRowGroupReader, Memory<TValue>, Task> read, Func<TValue[], Task> write)
        {
            var values = new TValue[rows];
            var at = 0;
            foreach (var group in groups)
            {
                await read(group, values.AsMemory(at, (int)group.RowCount));
                at += (int)group.RowCount;
            }

            await write(values);
        }
    }
}
