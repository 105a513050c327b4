namespace ClickOrleans;

/// <summary>
/// Events read from a private list, in typed columns laid out by their stream's schema: no value is boxed and no event
/// has a dictionary. Row <c>r</c>'s declared field with slot <c>s</c> of its kind sits at <c>[r * stride + s]</c> of that
/// kind's array (int64, timestamp and bool fields in <see cref="Longs"/>; bools as 0 or 1, timestamps as Unix
/// milliseconds); <see cref="Present"/> says which declared fields a row has.
/// </summary>
/// <remarks>Filled by the drain, then only read: the sink grain runs on the drain's silo, so rows are never copied.</remarks>
[GenerateSerializer, Immutable, Alias("ClickOrleans.EventRows")]
public sealed class EventRows
{
    public EventRows(int capacity, RowShape shape)
    {
        Shape = shape;
        Positions = new long[capacity];
        EventIds = new Guid[capacity];
        ClientIds = new string?[capacity];
        Timestamps = new long[capacity];
        Present = new bool[capacity * shape.Fields];
        Longs = new long[capacity * shape.Longs];
        Doubles = new double[capacity * shape.Doubles];
        Decimals = new decimal[capacity * shape.Decimals];
        Uuids = new Guid[capacity * shape.Uuids];
        Strings = new string?[capacity * shape.Strings];
        Extra = shape.KeepsExtra ? new string?[capacity] : [];
    }

    [Id(0)]
    public RowShape Shape { get; }

    /// <summary>The rows filled so far: rows [0, Count).</summary>
    [Id(1)]
    public int Count { get; private set; }

    /// <summary>Where each row's element sits in its private list, oldest first: what a sink's progress mark counts.</summary>
    [Id(2)]
    public long[] Positions { get; }

    /// <summary>The event id as stored: the Api's UUIDv7, a hash of a client-given id, or derived from the position.</summary>
    [Id(3)]
    public Guid[] EventIds { get; }

    /// <summary>A client-given id that is not a lower-case hex UUID, kept as given; null otherwise.</summary>
    [Id(4)]
    public string?[] ClientIds { get; }

    /// <summary>When each event happened, Unix milliseconds (UTC).</summary>
    [Id(5)]
    public long[] Timestamps { get; }

    [Id(6)]
    public bool[] Present { get; }

    [Id(7)]
    public long[] Longs { get; }

    [Id(8)]
    public double[] Doubles { get; }

    [Id(9)]
    public decimal[] Decimals { get; }

    [Id(10)]
    public Guid[] Uuids { get; }

    [Id(11)]
    public string?[] Strings { get; }

    /// <summary>Per row, the properties its schema does not name as one JSON object, for a stream that keeps them.</summary>
    [Id(12)]
    public string?[] Extra { get; }

    /// <summary>Whether row <paramref name="row"/> has a value for declared field <paramref name="field"/>.</summary>
    public bool Has(int row, int field) => Present[row * Shape.Fields + field];

    public long LongAt(int row, int slot) => Longs[row * Shape.Longs + slot];

    public double DoubleAt(int row, int slot) => Doubles[row * Shape.Doubles + slot];

    public decimal DecimalAt(int row, int slot) => Decimals[row * Shape.Decimals + slot];

    public Guid UuidAt(int row, int slot) => Uuids[row * Shape.Uuids + slot];

    public string? StringAt(int row, int slot) => Strings[row * Shape.Strings + slot];

    /// <summary>Keeps the row being filled (row <see cref="Count"/>) with its id, time and position; returns its index.</summary>
    public int Add(long position, Guid eventId, string? clientId, long timestampMs)
    {
        var row = Count++;
        Positions[row] = position;
        EventIds[row] = eventId;
        ClientIds[row] = clientId;
        Timestamps[row] = timestampMs;
        return row;
    }
}

/// <summary>How many declared fields a stream's rows have, and how many of each kind of value (the strides of <see cref="EventRows"/>).</summary>
[GenerateSerializer, Immutable, Alias("ClickOrleans.RowShape")]
public readonly record struct RowShape(
    [property: Id(0)] int Fields,
    [property: Id(1)] int Longs,
    [property: Id(2)] int Doubles,
    [property: Id(3)] int Decimals,
    [property: Id(4)] int Uuids,
    [property: Id(5)] int Strings,
    [property: Id(6)] bool KeepsExtra);
