using System.Globalization;
using ClickOrleans.Streams;
using Npgsql;

namespace ClickOrleans.Sinks.Postgres;

/// <summary>
/// A rollup's table on PostgreSQL (and that of its distinct values): its DDL, the upsert that adds a write's
/// <see cref="RollupAdditions"/> in that write's transaction, and the fill from the events already stored.
/// </summary>
internal sealed class PostgresRollupTable
{
    private readonly string _upsert;
    private readonly string _addValues;
    private readonly string[] _dimensionTypes;

    // Per summed field, whether it is int64 (summed exactly, as numeric) as the stream declares it now.
    private readonly bool[] _integerSums;

    public PostgresRollupTable(string schema, PostgresEventTable events, StreamRollup rollup)
    {
        Rollup = rollup;
        Name = $"{schema}.\"{rollup.Table}\"";
        var fields = rollup.By.Select(name => events.Declared.First(field => field.Name == name)).ToArray();
        _dimensionTypes = [.. fields.Select(field => PostgresEventTable.SqlType(field.Type))];
        var sums = rollup.Sums.Select(name => events.Declared.First(field => field.Name == name)).ToArray();
        _integerSums = [.. sums.Select(field => field.Type == FieldType.Int64)];
        var sumTypes = _integerSums.Select(integer => integer ? "numeric" : "double precision").ToArray();
        var dimensions = string.Concat(rollup.By.Select(name => $", \"{name}\""));
        var (bucketColumn, countColumn) = (rollup.BucketColumn, rollup.CountColumn);
        var sumColumns = string.Concat(rollup.Sums.Select(name => $", \"{StreamRollup.SumColumn(name)}\""));
        Create =
        [
            $"""
            CREATE TABLE {Name} (
                {bucketColumn} timestamptz NOT NULL{string.Concat(rollup.By.Select((name, i) => $",\n    \"{name}\" {_dimensionTypes[i]} NOT NULL"))},
                {countColumn} bigint NOT NULL{string.Concat(rollup.Sums.Select((name, i) => $",\n    \"{StreamRollup.SumColumn(name)}\" {sumTypes[i]} NOT NULL"))},
                PRIMARY KEY ({bucketColumn}{dimensions}))
            """,
        ];
        var bucket = string.Create(CultureInfo.InvariantCulture, $"date_bin(interval '{rollup.BucketMs} milliseconds', ts, timestamptz 'epoch')");
        Fill = $"INSERT INTO {Name} ({bucketColumn}{dimensions}, {countColumn}{sumColumns}) "
            + $"SELECT {bucket}{dimensions}, count(*){string.Concat(rollup.Sums.Select(name => $", coalesce(sum(\"{name}\"), 0)"))} "
            + $"FROM {events.Name} GROUP BY {string.Join(", ", Enumerable.Range(1, rollup.By.Count + 1))}";
        _upsert = $"INSERT INTO {Name} AS r ({bucketColumn}{dimensions}, {countColumn}{sumColumns}) "
            + $"SELECT to_timestamp(b / 1000.0){string.Concat(Enumerable.Range(0, rollup.By.Count).Select(i => $", d{i}"))}, c{string.Concat(Enumerable.Range(0, rollup.Sums.Count).Select(i => $", s{i}"))} "
            + $"FROM unnest($1::bigint[]{string.Concat(_dimensionTypes.Select((type, i) => $", ${i + 2}::{type}[]"))}, ${rollup.By.Count + 2}::bigint[]"
            + $"{string.Concat(sumTypes.Select((type, i) => $", ${rollup.By.Count + 3 + i}::{type}[]"))}) "
            + $"AS a (b{string.Concat(Enumerable.Range(0, rollup.By.Count).Select(i => $", d{i}"))}, c{string.Concat(Enumerable.Range(0, rollup.Sums.Count).Select(i => $", s{i}"))}) "
            + $"ON CONFLICT ({bucketColumn}{dimensions}) DO UPDATE SET {countColumn} = r.{countColumn} + excluded.{countColumn}"
            + string.Concat(rollup.Sums.Select(name => $", \"{StreamRollup.SumColumn(name)}\" = r.\"{StreamRollup.SumColumn(name)}\" + excluded.\"{StreamRollup.SumColumn(name)}\""));

        ValuesName = $"{schema}.\"{rollup.ValuesTable}\"";
        if (rollup.Distinct.Count > 0)
        {
            Create =
            [
                .. Create,
                $"""
                CREATE TABLE {ValuesName} (
                    bucket timestamptz NOT NULL{string.Concat(rollup.By.Select((name, i) => $",\n        \"{name}\" {_dimensionTypes[i]} NOT NULL"))},
                    field text NOT NULL,
                    value text NOT NULL,
                    PRIMARY KEY (bucket{dimensions}, field, value))
                """,
            ];
        }

        // A value as a query string gives it: text, bigint and uuid (lower case) as PostgreSQL writes them.
        FillValues = [.. rollup.Distinct.Select(name =>
            $"INSERT INTO {ValuesName} (bucket{dimensions}, field, value) SELECT DISTINCT {bucket}{dimensions}, '{name}', \"{name}\"::text "
            + $"FROM {events.Name} WHERE \"{name}\" IS NOT NULL")];
        _addValues = $"INSERT INTO {ValuesName} (bucket{dimensions}, field, value) "
            + $"SELECT to_timestamp(b / 1000.0){string.Concat(Enumerable.Range(0, rollup.By.Count).Select(i => $", d{i}"))}, f, v "
            + $"FROM unnest($1::bigint[]{string.Concat(_dimensionTypes.Select((type, i) => $", ${i + 2}::{type}[]"))}, ${rollup.By.Count + 2}::text[], ${rollup.By.Count + 3}::text[]) "
            + $"AS a (b{string.Concat(Enumerable.Range(0, rollup.By.Count).Select(i => $", d{i}"))}, f, v) ON CONFLICT DO NOTHING";
    }

    public StreamRollup Rollup { get; }

    /// <summary>The table's qualified, quoted name.</summary>
    public string Name { get; }

    public string[] Create { get; }

    /// <summary>Fills a new rollup's table from the events its stream's table holds.</summary>
    public string Fill { get; }

    /// <summary>The qualified, quoted name of its table of distinct values (<see cref="StreamRollup.ValuesTable"/>).</summary>
    public string ValuesName { get; }

    /// <summary>Fills a new rollup's distinct values from the events its stream's table holds, one statement per counted field.</summary>
    public string[] FillValues { get; }

    /// <summary>The insert of the distinct values a write saw (those already there are kept), in key order.</summary>
    public NpgsqlBatchCommand AddValues(RollupAdditions additions)
    {
        var values = additions.OrderedValues().ToArray();
        var command = new NpgsqlBatchCommand(_addValues);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. values.Select(value => value.Key.BucketMs)] });
        AddDimensions(command, [.. values.Select(value => value.Key)]);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. values.Select(value => value.Field)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. values.Select(value => value.Value)] });
        return command;
    }

    /// <summary>The upsert of what a write adds, its rows in key order.</summary>
    public NpgsqlBatchCommand Upsert(RollupAdditions additions)
    {
        var rows = additions.Ordered();
        var command = new NpgsqlBatchCommand(_upsert);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(row => row.Key.BucketMs)] });
        AddDimensions(command, [.. rows.Select(row => row.Key)]);

        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(row => row.Row.Count)] });
        for (var s = 0; s < Rollup.Sums.Count; s++)
        {
            var index = s;
            command.Parameters.Add(_integerSums[s]
                ? new NpgsqlParameter<decimal[]> { TypedValue = [.. rows.Select(row => row.Row.Exact[index])] }
                : new NpgsqlParameter<double[]> { TypedValue = [.. rows.Select(row => row.Row.Approx[index])] });
        }

        return command;
    }

    private void AddDimensions(NpgsqlBatchCommand command, RollupKey[] keys)
    {
        for (var d = 0; d < Rollup.By.Count; d++)
        {
            var index = d;
            command.Parameters.Add(_dimensionTypes[d] switch
            {
                "text" => new NpgsqlParameter<string[]> { TypedValue = [.. keys.Select(key => key.Dimension(index).Text!)] },
                "boolean" => new NpgsqlParameter<bool[]> { TypedValue = [.. keys.Select(key => key.Dimension(index).Number != 0)] },
                _ => new NpgsqlParameter<long[]> { TypedValue = [.. keys.Select(key => key.Dimension(index).Number)] },
            });
        }
    }
}
