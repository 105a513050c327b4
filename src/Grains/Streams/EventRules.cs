using System.Text;
using System.Text.Json;
using ClickOrleans.Staging;

namespace ClickOrleans.Streams;

/// <summary>
/// What a valid event of a stream is and how its rows are laid out, compiled once per schema version: the Api checks
/// requests against it and the drain checks what producers pushed, both reading straight into typed
/// <see cref="EventRows"/>, so that every event a sink is given fits its table.
/// </summary>
/// <remarks>
/// Property names are exact (no other case), each at most once; a property the schema does not name is refused, kept
/// or (the built-in clicks stream, for what producers push) ignored, as the stream says. The Api receives <c>ts</c> as
/// an RFC 3339 time; the staging list holds it as Unix milliseconds.
/// </remarks>
public sealed partial class EventRules
{
    /// <summary>The slot of <c>id</c> and <c>ts</c> among the names a property is matched against; declared fields follow.</summary>
    private const int IdSlot = 0, TsSlot = 1, FirstDeclared = 2;

    private readonly StreamField[] _declared;
    private readonly int[] _slots;

    // Each int64 and float64 field's bounds in its own type, so that no value is compared as a decimal.
    private readonly (long Min, long Max)[] _integerBounds;
    private readonly (double Min, double Max)[] _realBounds;
    private readonly byte[][] _utf8Names;
    private readonly JsonEncodedText[] _jsonNames;
    private readonly Dictionary<string, int> _index;

    // The built-in clicks stream reads what the original producers push: numbers as digit strings too.
    private readonly bool _seedFormat;

    public EventRules(StreamSchema stream)
    {
        Stream = stream;
        Version = SchemaVersion.Of(stream).Version;
        _declared = [.. stream.Fields.Skip(FirstDeclared)];
        _index = _declared.Select((field, i) => (field.Name, i)).ToDictionary(entry => entry.Name, entry => entry.i, StringComparer.Ordinal);
        _utf8Names = [.. stream.Fields.Select(field => Encoding.UTF8.GetBytes(field.Name))];
        _jsonNames = [.. stream.Fields.Select(field => JsonEncodedText.Encode(field.Name))];
        _seedFormat = stream.Name == ClickStream.Name;

        // Each declared field's slot among the values of its kind.
        _slots = new int[_declared.Length];
        int longs = 0, doubles = 0, decimals = 0, uuids = 0, strings = 0;
        for (var i = 0; i < _declared.Length; i++)
        {
            _slots[i] = KindOf(_declared[i].Type) switch
            {
                ValueKind.Long => longs++,
                ValueKind.Double => doubles++,
                ValueKind.Decimal => decimals++,
                ValueKind.Uuid => uuids++,
                _ => strings++,
            };
        }

        _integerBounds = [.. _declared.Select(field => field.Type == FieldType.Int64
            ? ((long)(field.Min ?? long.MinValue), (long)(field.Max ?? long.MaxValue))
            : (long.MinValue, long.MaxValue))];
        _realBounds = [.. _declared.Select(field => (field.Min is { } min ? (double)min : double.NegativeInfinity, field.Max is { } max ? (double)max : double.PositiveInfinity))];
        Shape = new RowShape(_declared.Length, longs, doubles, decimals, uuids, strings, stream.Extra == ExtraProperties.Keep);
        StoredColumns = ["event_id", "client_id", "ts", .. _declared.Select(field => $"\"{field.Name}\""), .. Shape.KeepsExtra ? ["extra"] : Array.Empty<string>()];
        PartitionedBy = stream.Rollups.FirstOrDefault(rollup => rollup.By.Count > 0) is { } rollup ? string.Join(',', rollup.By) : PrivateList.ByEventId;
        _sortBy = stream.Indexes.Count > 0 ? [.. stream.Indexes[0].Keys.Select(name => _index[name])] : [];
    }

    public StreamSchema Stream { get; }

    /// <summary>The schema version these rules were compiled from (<see cref="SchemaVersion"/>).</summary>
    public string Version { get; }

    /// <summary>How many values of each kind a row holds.</summary>
    public RowShape Shape { get; }

    /// <summary>
    /// The columns a row read by these rules fills in its sink table, quoted, in the order both sinks write them: the
    /// event id, the client's id, <c>ts</c>, the declared fields and, for a stream that keeps them, <c>extra</c>.
    /// </summary>
    public IReadOnlyList<string> StoredColumns { get; }

    /// <summary>The fields after id and ts: the order of <see cref="EventRows.Present"/> and of the staged JSON.</summary>
    public IReadOnlyList<StreamField> Declared => _declared;

    /// <summary>
    /// What splits a private list of the stream into sink partitions, recorded at its take-over: the first rollup's
    /// dimensions, so that each rollup row is upserted by one partition write per chunk, not by every one; the event id
    /// when the stream has no rollup with dimensions.
    /// </summary>
    public string PartitionedBy { get; }

    /// <summary>
    /// How a list taken over by a release that recorded no <see cref="PrivateList.PartitionedBy"/> was split: the
    /// built-in clicks stream's by product id, a declared stream's by event id.
    /// </summary>
    public string UnrecordedPartitioning => _seedFormat ? ClickStream.PartitionedBy : PrivateList.ByEventId;

    /// <summary>The kind of value a field of this type is held as in <see cref="EventRows"/>.</summary>
    public static ValueKind KindOf(FieldType type) => type switch
    {
        FieldType.Int64 or FieldType.Timestamp or FieldType.Bool => ValueKind.Long,
        FieldType.Float64 => ValueKind.Double,
        FieldType.Decimal => ValueKind.Decimal,
        FieldType.Uuid => ValueKind.Uuid,
        _ => ValueKind.String,
    };

    /// <summary>The index of a declared field (after id and ts), by name; -1 when the stream has none of that name.</summary>
    public int IndexOf(string name) => _index.GetValueOrDefault(name, -1);

    /// <summary>The slot of declared field <paramref name="field"/> among the values of its kind in a row.</summary>
    public int SlotOf(int field) => _slots[field];

    /// <summary>Rows for up to <paramref name="capacity"/> events of the stream.</summary>
    public EventRows NewRows(int capacity) => new(capacity, Shape);

    /// <summary>The indexes in <see cref="Declared"/> of the fields a list recorded as <see cref="PrivateList.PartitionedBy"/>; null for the event id.</summary>
    /// <exception cref="InvalidOperationException">A recorded field is not declared: only a declaration that dropped a field, which a start refuses, could do it.</exception>
    public int[]? PartitionFields(string partitionedBy) =>
        partitionedBy == PrivateList.ByEventId
            ? null
            : [.. partitionedBy.Split(',').Select(name => _index.TryGetValue(name, out var i)
                ? i
                : throw new InvalidOperationException($"The private list is split by '{partitionedBy}', but the stream '{Stream.Name}' declares no field {name}."))];

    /// <summary>A declared field's value in a row, boxed: for what reads single values (queries, tests), not for rows in bulk.</summary>
    public object? ValueOf(EventRows rows, int row, int field)
    {
        if (!rows.Has(row, field))
        {
            return null;
        }

        var slot = _slots[field];
        return _declared[field].Type switch
        {
            FieldType.Int64 or FieldType.Timestamp => rows.LongAt(row, slot),
            FieldType.Bool => rows.LongAt(row, slot) != 0,
            FieldType.Float64 => rows.DoubleAt(row, slot),
            FieldType.Decimal => rows.DecimalAt(row, slot),
            FieldType.Uuid => rows.UuidAt(row, slot),
            _ => rows.StringAt(row, slot),
        };
    }
}

/// <summary>How a field's values are held in <see cref="EventRows"/>: which of its typed arrays.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The members name the types the values are held as.")]
public enum ValueKind
{
    /// <summary>int64, timestamp (Unix milliseconds) and bool (0 or 1) fields.</summary>
    Long,

    Double,

    Decimal,

    Uuid,

    String,
}
