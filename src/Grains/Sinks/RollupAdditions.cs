using System.Runtime.InteropServices;
using ClickOrleans.Streams;

namespace ClickOrleans.Sinks;

/// <summary>
/// What a write adds to one rollup of a stream: per bucket and dimension values, its events, the sums of their fields
/// and the distinct values of its counted fields. Computed from the rows the write stores (never the refused ones), in
/// the transaction that stores them; read from the rows' typed columns, nothing boxed.
/// </summary>
internal sealed class RollupAdditions
{
    private readonly Dictionary<RollupKey, RollupRow> _rows = [];
    private readonly HashSet<(RollupKey Key, int Field, string Value)> _values = [];
    private readonly EventRules _rules;
    private readonly (int Field, int Slot, bool IsText)[] _by;
    private readonly (int Field, int Slot, bool IsInteger)[] _sums;
    private readonly int[] _distinct;
    private readonly long _bucketMs;

    /// <param name="rules">The rules the rows were read by: their layout. A summed or counted field their schema version
    /// does not have adds nothing (a dimension is a required field, which every version has).</param>
    public RollupAdditions(StreamRollup rollup, EventRules rules)
    {
        Rollup = rollup;
        _rules = rules;
        _bucketMs = rollup.BucketMs;
        _by = [.. rollup.By.Select(name => rules.IndexOf(name)).Select(field => (field, rules.SlotOf(field), rules.Declared[field].Type == FieldType.String))];
        _sums = [.. rollup.Sums.Select(name => rules.IndexOf(name))
            .Select(field => field < 0 ? (field, -1, false) : (field, rules.SlotOf(field), rules.Declared[field].Type == FieldType.Int64))];
        _distinct = [.. rollup.Distinct.Select(rules.IndexOf)];
    }

    public StreamRollup Rollup { get; }

    public int Count => _rows.Count;

    /// <summary>The distinct values seen, per rollup row and counted field (<see cref="StreamRollup.Distinct"/>).</summary>
    public int ValueCount => _values.Count;

    public void Add(EventRows rows, int row)
    {
        var timestamp = rows.Timestamps[row];
        var key = new RollupKey(
            timestamp - (timestamp % _bucketMs),
            _by.Length > 0 ? Dimension(rows, row, _by[0]) : default,
            _by.Length > 1 ? Dimension(rows, row, _by[1]) : default,
            _by.Length > 2 ? Dimension(rows, row, _by[2]) : default,
            _by.Length > 3 ? Dimension(rows, row, _by[3]) : default);
        ref var measures = ref CollectionsMarshal.GetValueRefOrAddDefault(_rows, key, out var exists);
        if (!exists)
        {
            measures = new RollupRow(_sums.Length);
        }

        measures!.Count++;
        for (var i = 0; i < _sums.Length; i++)
        {
            var (field, slot, isInteger) = _sums[i];
            if (field < 0 || !rows.Has(row, field))
            {
                continue;
            }

            if (isInteger)
            {
                measures.Exact[i] += rows.LongAt(row, slot);
            }
            else
            {
                measures.Approx[i] += rows.DoubleAt(row, slot);
            }
        }

        for (var i = 0; i < _distinct.Length; i++)
        {
            if (_distinct[i] >= 0 && _rules.ValueOf(rows, row, _distinct[i]) is { } value)
            {
                _values.Add((key, i, DimensionValues.Format(value)));
            }
        }
    }

    /// <summary>In key order, so that concurrent writers lock rollup rows in the same order (no deadlock).</summary>
    public (RollupKey Key, RollupRow Row)[] Ordered()
    {
        var keys = new RollupKey[_rows.Count];
        _rows.Keys.CopyTo(keys, 0);
        keys.AsSpan().Sort();
        var rows = new (RollupKey, RollupRow)[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            rows[i] = (keys[i], _rows[keys[i]]);
        }

        return rows;
    }

    /// <summary>The distinct values in key order, then by field and value: the order concurrent writers insert them in.</summary>
    public IEnumerable<(RollupKey Key, string Field, string Value)> OrderedValues() =>
        _values.OrderBy(value => value.Key).ThenBy(value => value.Field).ThenBy(value => value.Value, StringComparer.Ordinal)
            .Select(value => (value.Key, Rollup.Distinct[value.Field], value.Value));

    private static DimensionValue Dimension(EventRows rows, int row, (int Field, int Slot, bool IsText) dimension) =>
        dimension.IsText ? new DimensionValue(0, rows.StringAt(row, dimension.Slot)) : new DimensionValue(rows.LongAt(row, dimension.Slot), null);
}

/// <summary>A rollup row's key: its bucket's start (Unix milliseconds) and up to four dimension values, in <see cref="StreamRollup.By"/> order.</summary>
internal readonly record struct RollupKey(long BucketMs, DimensionValue A, DimensionValue B, DimensionValue C, DimensionValue D)
    : IComparable<RollupKey>
{
    public int CompareTo(RollupKey other)
    {
        var order = BucketMs.CompareTo(other.BucketMs);
        return order != 0 ? order
            : (order = A.CompareTo(other.A)) != 0 ? order
            : (order = B.CompareTo(other.B)) != 0 ? order
            : (order = C.CompareTo(other.C)) != 0 ? order
            : D.CompareTo(other.D);
    }

    /// <summary>The dimension values, in <see cref="StreamRollup.By"/> order.</summary>
    public DimensionValue Dimension(int index) => index switch { 0 => A, 1 => B, 2 => C, _ => D };
}

/// <summary>One dimension value of a rollup row: a string field's <see cref="Text"/>, or an int64 or bool field's <see cref="Number"/> (bools as 0 or 1).</summary>
internal readonly record struct DimensionValue(long Number, string? Text) : IComparable<DimensionValue>
{
    public int CompareTo(DimensionValue other) =>
        Text is null ? Number.CompareTo(other.Number) : string.CompareOrdinal(Text, other.Text);
}

/// <summary>A rollup row's measures: its events, and per summed field the sum (int64 fields in <see cref="Exact"/>, float64 in <see cref="Approx"/>).</summary>
internal sealed class RollupRow(int sums)
{
    public long Count { get; set; }

    public decimal[] Exact { get; } = new decimal[sums];

    public double[] Approx { get; } = new double[sums];
}
