using System.Globalization;

namespace ClickOrleans.Staging;

/// <summary>
/// Elements of a private list as one read returned them: positions [<see cref="Start"/>, <see cref="End"/>), oldest
/// first, as slices of one buffer (no allocation per element).
/// </summary>
public sealed class ChunkElements
{
    private readonly byte[] _data;
    private readonly int[] _starts;
    private readonly int[] _lengths;

    private ChunkElements(long start, byte[] data, int[] starts, int[] lengths)
    {
        Start = start;
        _data = data;
        _starts = starts;
        _lengths = lengths;
    }

    public long Start { get; }

    public int Count => _starts.Length;

    public long End => Start + Count;

    /// <summary>Element <paramref name="index"/> (0 = oldest).</summary>
    public ReadOnlySpan<byte> this[int index] => _data.AsSpan(_starts[index], _lengths[index]);

    /// <param name="oldestFirst">The elements concatenated, oldest first, as the read script returns them.</param>
    /// <param name="sizes">Their sizes in bytes, space-separated.</param>
    internal static ChunkElements Parse(long start, byte[] oldestFirst, string sizes)
    {
        var text = sizes.AsSpan();
        if (text.IsEmpty)
        {
            return new ChunkElements(start, oldestFirst, [], []);
        }

        var count = text.Count(' ') + 1;
        var starts = new int[count];
        var lengths = new int[count];
        var offset = 0;
        var i = 0;
        foreach (var range in text.Split(' '))
        {
            lengths[i] = int.Parse(text[range], CultureInfo.InvariantCulture);
            starts[i] = offset;
            offset += lengths[i++];
        }

        return new ChunkElements(start, oldestFirst, starts, lengths);
    }
}
