using System.Globalization;
using ClickOrleans.Streams;
using Microsoft.Data.Sqlite;

namespace ClickOrleans.Sinks.Sqlite;

/// <summary>
/// A rollup's table on SQLite: its DDL, the prepared upsert that adds a write's <see cref="RollupAdditions"/>
/// in that write's transaction, and the fill from the events already stored. Buckets are Unix milliseconds.
/// </summary>
internal sealed class SqliteRollupTable : IDisposable
{
    private readonly SqliteCommand _upsert;

    // Per summed field, whether it is int64 (summed exactly) as the stream declares it now.
    private readonly bool[] _integerSums;
    private readonly SqliteCommand? _addValues;

    public SqliteRollupTable(SqliteConnection connection, SqliteEventTable events, StreamRollup rollup)
    {
        Rollup = rollup;
        var fields = rollup.By.Select(name => events.Declared.First(field => field.Name == name)).ToArray();
        var sums = rollup.Sums.Select(name => events.Declared.First(field => field.Name == name)).ToArray();
        _integerSums = [.. sums.Select(field => field.Type == FieldType.Int64)];
        var dimensions = string.Concat(rollup.By.Select(name => $", \"{name}\""));
        var (bucketColumn, countColumn) = (rollup.BucketColumn, rollup.CountColumn);
        var sumColumns = rollup.Sums.Select(name => $"\"{StreamRollup.SumColumn(name)}\"").ToArray();
        Create =
        [
            $"""
            CREATE TABLE "{rollup.Table}" (
                {bucketColumn} INTEGER NOT NULL{string.Concat(fields.Select(field => $",\n    \"{field.Name}\" {SqliteEventTable.SqlType(field.Type)} NOT NULL"))},
                {countColumn} INTEGER NOT NULL{string.Concat(sums.Select((field, i) => $",\n    {sumColumns[i]} {SqliteEventTable.SqlType(field.Type)} NOT NULL"))},
                PRIMARY KEY ({bucketColumn}{dimensions})) WITHOUT ROWID
            """,
        ];
        Fill = string.Create(CultureInfo.InvariantCulture, $"INSERT INTO \"{rollup.Table}\" ({bucketColumn}{dimensions}, {countColumn}{string.Concat(sumColumns.Select(c => ", " + c))}) ")
            + string.Create(CultureInfo.InvariantCulture, $"SELECT ts - ts % {rollup.BucketMs}{dimensions}, count(*)")
            + string.Concat(sums.Select(field => field.Type == FieldType.Int64 ? $", coalesce(sum(\"{field.Name}\"), 0)" : $", total(\"{field.Name}\")"))
            + $" FROM \"{events.Stream.Table}\" GROUP BY {string.Join(", ", Enumerable.Range(1, rollup.By.Count + 1))}";
        var parameters = 2 + rollup.By.Count + rollup.Sums.Count;
        _upsert = connection.CreateCommand();
        _upsert.CommandText = $"INSERT INTO \"{rollup.Table}\" ({bucketColumn}{dimensions}, {countColumn}{string.Concat(sumColumns.Select(c => ", " + c))}) "
            + $"VALUES ({string.Join(", ", Enumerable.Range(1, parameters).Select(i => "$" + i))}) "
            + $"ON CONFLICT ({bucketColumn}{dimensions}) DO UPDATE SET {countColumn} = {countColumn} + excluded.{countColumn}"
            + string.Concat(sumColumns.Select(c => $", {c} = {c} + excluded.{c}"));
        for (var i = 1; i <= parameters; i++)
        {
            _upsert.Parameters.Add(new SqliteParameter { ParameterName = "$" + i });
        }

        FillValues = [];
        if (rollup.Distinct.Count == 0)
        {
            return;
        }

        var types = fields.Select(field => SqliteEventTable.SqlType(field.Type)).ToArray();
        Create =
        [
            .. Create,
            $"""
            CREATE TABLE "{rollup.ValuesTable}" (
                bucket INTEGER NOT NULL{string.Concat(rollup.By.Select((name, i) => $",\n    \"{name}\" {types[i]} NOT NULL"))},
                field TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (bucket{dimensions}, field, value)) WITHOUT ROWID
            """,
        ];
        // A value as a query string gives it: integers in decimal, uuids and strings as stored.
        FillValues = [.. rollup.Distinct.Select(name =>
            string.Create(CultureInfo.InvariantCulture, $"INSERT INTO \"{rollup.ValuesTable}\" (bucket{dimensions}, field, value) SELECT DISTINCT ts - ts % {rollup.BucketMs}{dimensions}, '{name}', CAST(\"{name}\" AS TEXT) ")
            + $"FROM \"{events.Stream.Table}\" WHERE \"{name}\" IS NOT NULL")];
        var valueParameters = 3 + rollup.By.Count;
        _addValues = connection.CreateCommand();
        _addValues.CommandText = $"INSERT OR IGNORE INTO \"{rollup.ValuesTable}\" (bucket{dimensions}, field, value) "
            + $"VALUES ({string.Join(", ", Enumerable.Range(1, valueParameters).Select(i => "$" + i))})";
        for (var i = 1; i <= valueParameters; i++)
        {
            _addValues.Parameters.Add(new SqliteParameter { ParameterName = "$" + i });
        }
    }

    public StreamRollup Rollup { get; }

    public string[] Create { get; }

    /// <summary>Fills a new rollup's table from the events its stream's table holds.</summary>
    public string Fill { get; }

    /// <summary>Fills a new rollup's distinct values from the events its stream's table holds, one statement per counted field.</summary>
    public string[] FillValues { get; }

    /// <summary>Adds what a write adds (its rows in key order) and the distinct values it saw (those already there are kept).</summary>
    /// <returns>Null when added; the store's reason when it refused a row of the rollup for its data (nothing more is added then).</returns>
    /// <exception cref="SqliteException">Any other error: the write fails.</exception>
    public string? TryAdd(SqliteTransaction transaction, RollupAdditions additions)
    {
        try
        {
            Upsert(transaction, additions);
            if (additions.ValueCount > 0)
            {
                AddValues(transaction, additions);
            }

            return null;
        }
        catch (SqliteException e) when (SqliteEventTable.IsDataError(e.SqliteErrorCode))
        {
            return e.Message;
        }
    }

    private void AddValues(SqliteTransaction transaction, RollupAdditions additions)
    {
        var insert = _addValues!;
        insert.Transaction = transaction;
        foreach (var (key, field, value) in additions.OrderedValues())
        {
            insert.Parameters[0].Value = key.BucketMs;
            for (var d = 0; d < Rollup.By.Count; d++)
            {
                insert.Parameters[1 + d].Value = Value(key.Dimension(d));
            }

            insert.Parameters[1 + Rollup.By.Count].Value = field;
            insert.Parameters[2 + Rollup.By.Count].Value = value;
            insert.ExecuteNonQuery();
        }
    }

    private void Upsert(SqliteTransaction transaction, RollupAdditions additions)
    {
        _upsert.Transaction = transaction;
        var parameters = _upsert.Parameters;
        foreach (var (key, row) in additions.Ordered())
        {
            parameters[0].Value = key.BucketMs;
            for (var d = 0; d < Rollup.By.Count; d++)
            {
                parameters[1 + d].Value = Value(key.Dimension(d));
            }

            parameters[1 + Rollup.By.Count].Value = row.Count;
            for (var s = 0; s < Rollup.Sums.Count; s++)
            {
                // An int64 sum beyond a 64-bit integer is stored as a REAL, as SQLite's own arithmetic does.
                parameters[2 + Rollup.By.Count + s].Value = !_integerSums[s] ? row.Approx[s]
                    : row.Exact[s] is >= long.MinValue and <= long.MaxValue ? (long)row.Exact[s] : (double)row.Exact[s];
            }

            _upsert.ExecuteNonQuery();
        }
    }

    private static object Value(DimensionValue dimension) => dimension.Text ?? (object)dimension.Number;

    public void Dispose()
    {
        _upsert.Dispose();
        _addValues?.Dispose();
    }
}
