using System.Globalization;

namespace ClickOrleans.Staging;

/// <summary>
/// Elements of a private list as one read returned them: positions [<see cref="Start"/>, <see cref="End"/>), oldest
/// first, as slices of one buffer (no allocation per element); an element larger than <c>Clicks:MaxElementBytes</c>
/// is there only as its <see cref="ElementReference"/>.
/// </summary>
public sealed class ChunkElements
{
    private readonly byte[] _data;
    private readonly int[] _starts;
    private readonly int[] _lengths;
    private readonly Dictionary<int, ElementReference>? _references;

    private ChunkElements(long start, byte[] data, int[] starts, int[] lengths, Dictionary<int, ElementReference>? references)
    {
        Start = start;
        _data = data;
        _starts = starts;
        _lengths = lengths;
        _references = references;
    }

    public long Start { get; }

    public int Count => _starts.Length;

    public long End => Start + Count;

    /// <summary>Element <paramref name="index"/> (0 = oldest); empty where it is too large (<see cref="ReferenceOf"/>).</summary>
    public ReadOnlySpan<byte> this[int index] => _data.AsSpan(_starts[index], _lengths[index]);

    /// <summary>What stands for element <paramref name="index"/> when it was too large to be read whole; null otherwise.</summary>
    public ElementReference? ReferenceOf(int index) => _references?.GetValueOrDefault(index);

    /// <param name="oldestFirst">The elements concatenated, oldest first, as the read script returns them.</param>
    /// <param name="sizes">Their sizes in bytes, space-separated.</param>
    /// <param name="references">"&lt;index&gt; &lt;size&gt; &lt;sha1&gt;" of each element too large to be read whole, space-separated.</param>
    /// <param name="prefixes">The first bytes of each of those, in the same order.</param>
    internal static ChunkElements Parse(long start, byte[] oldestFirst, string sizes, string references, byte[][] prefixes)
    {
        Dictionary<int, ElementReference>? referenced = null;
        if (references.Length > 0)
        {
            var parts = references.Split(' ');
            referenced = [];
            for (var r = 0; r < prefixes.Length; r++)
            {
                referenced[int.Parse(parts[3 * r], CultureInfo.InvariantCulture)] =
                    new ElementReference(long.Parse(parts[(3 * r) + 1], CultureInfo.InvariantCulture), parts[(3 * r) + 2], prefixes[r]);
            }
        }

        var text = sizes.AsSpan();
        if (text.IsEmpty)
        {
            return new ChunkElements(start, oldestFirst, [], [], referenced);
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

        return new ChunkElements(start, oldestFirst, starts, lengths, referenced);
    }
}

/// <summary>An element larger than <c>Clicks:MaxElementBytes</c>, as the drain knows it: never loaded whole.</summary>
/// <param name="Size">Its length in bytes.</param>
/// <param name="Sha1">Its SHA-1, hex, as Redis computed it.</param>
/// <param name="Prefix">Its first 64 bytes.</param>
public sealed record ElementReference(long Size, string Sha1, byte[] Prefix);
