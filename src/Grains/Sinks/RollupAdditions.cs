using System.Runtime.InteropServices;
using ClickOrleans.Streams;

namespace ClickOrleans.Sinks;

/// <summary>
/// What a write adds to one rollup of a stream: per bucket and dimension values, its events, the sums of their fields
/// and the distinct values of its counted fields. Computed from the rows the write stores (never the refused ones), in
/// the transaction that stores them.
/// </summary>
internal sealed class RollupAdditions
{
    private readonly Dictionary<RollupKey, RollupRow> _rows = [];
    private readonly HashSet<(RollupKey Key, int Field, string Value)> _values = [];
    private readonly int[] _distinct;
    private readonly int[] _by;
    private readonly int[] _sums;
    private readonly bool[] _integerSums;
    private readonly long _bucketMs;

    /// <param name="declared">The stream's fields after id and ts, in the order of <see cref="StagedEvent.Values"/>.</param>
    public RollupAdditions(StreamRollup rollup, IReadOnlyList<StreamField> declared)
    {
        Rollup = rollup;
        _bucketMs = rollup.BucketMs;
        _by = [.. rollup.By.Select(name => IndexOf(declared, name))];
        _sums = [.. rollup.Sums.Select(name => IndexOf(declared, name))];
        _integerSums = [.. _sums.Select(i => declared[i].Type == FieldType.Int64)];
        _distinct = [.. rollup.Distinct.Select(name => IndexOf(declared, name))];
    }

    public StreamRollup Rollup { get; }

    /// <summary>Whether a summed field is int64: summed exactly (<see cref="RollupRow.Exact"/>), not as a double.</summary>
    public bool IsInteger(int sum) => _integerSums[sum];

    public int Count => _rows.Count;

    /// <summary>The distinct values seen, per rollup row and counted field (<see cref="StreamRollup.Distinct"/>).</summary>
    public int ValueCount => _values.Count;

    public void Add(in StagedEvent row)
    {
        var values = row.Values;
        var key = new RollupKey(
            row.TimestampMs - row.TimestampMs % _bucketMs,
            _by.Length > 0 ? values[_by[0]] : null,
            _by.Length > 1 ? values[_by[1]] : null,
            _by.Length > 2 ? values[_by[2]] : null,
            _by.Length > 3 ? values[_by[3]] : null);
        ref var measures = ref CollectionsMarshal.GetValueRefOrAddDefault(_rows, key, out var exists);
        if (!exists)
        {
            measures = new RollupRow(_sums.Length);
        }

        measures!.Count++;
        for (var i = 0; i < _distinct.Length; i++)
        {
            if (values[_distinct[i]] is { } value)
            {
                _values.Add((key, i, DimensionValues.Format(value)));
            }
        }

        for (var i = 0; i < _sums.Length; i++)
        {
            switch (values[_sums[i]])
            {
                case long number:
                    measures.Exact[i] += number;
                    break;
                case double number:
                    measures.Approx[i] += number;
                    break;
            }
        }
    }

    /// <summary>In key order, so that concurrent writers lock rollup rows in the same order (no deadlock).</summary>
    public IEnumerable<(RollupKey Key, RollupRow Row)> Ordered() =>
        _rows.OrderBy(row => row.Key, RollupKey.Order).Select(row => (row.Key, row.Value));

    /// <summary>The distinct values in key order, then by field and value: the order concurrent writers insert them in.</summary>
    public IEnumerable<(RollupKey Key, string Field, string Value)> OrderedValues() =>
        _values.OrderBy(value => value.Key, RollupKey.Order).ThenBy(value => value.Field).ThenBy(value => value.Value, StringComparer.Ordinal)
            .Select(value => (value.Key, Rollup.Distinct[value.Field], value.Value));

    private static int IndexOf(IReadOnlyList<StreamField> declared, string name)
    {
        for (var i = 0; i < declared.Count; i++)
        {
            if (declared[i].Name == name)
            {
                return i;
            }
        }

        throw new ArgumentException($"The rollup names '{name}', which is not a field after id and ts.", nameof(declared));
    }
}

/// <summary>A rollup row's key: its bucket's start (Unix milliseconds) and up to four dimension values, in <see cref="StreamRollup.By"/> order.</summary>
internal readonly record struct RollupKey(long BucketMs, object? A, object? B, object? C, object? D)
{
    public static IComparer<RollupKey> Order { get; } = Comparer<RollupKey>.Create((x, y) =>
    {
        var order = x.BucketMs.CompareTo(y.BucketMs);
        return order != 0 ? order
            : (order = Compare(x.A, y.A)) != 0 ? order
            : (order = Compare(x.B, y.B)) != 0 ? order
            : (order = Compare(x.C, y.C)) != 0 ? order
            : Compare(x.D, y.D);
    });

    /// <summary>The dimension values, in <see cref="StreamRollup.By"/> order.</summary>
    public object? Dimension(int index) => index switch { 0 => A, 1 => B, 2 => C, _ => D };

    private static int Compare(object? x, object? y) => (x, y) switch
    {
        (string a, string b) => string.CompareOrdinal(a, b),
        (long a, long b) => a.CompareTo(b),
        (bool a, bool b) => a.CompareTo(b),
        _ => 0,
    };
}

/// <summary>A rollup row's measures: its events, and per summed field the sum (int64 fields in <see cref="Exact"/>, float64 in <see cref="Approx"/>).</summary>
internal sealed class RollupRow(int sums)
{
    public long Count { get; set; }

    public decimal[] Exact { get; } = new decimal[sums];

    public double[] Approx { get; } = new double[sums];
}
