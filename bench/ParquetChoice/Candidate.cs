namespace ClickOrleans.Bench.ParquetChoice;

/// <summary>One library with one compression, writing the clicks into a file in row groups of a drain's chunk.</summary>
internal abstract class Candidate(string library, string compression)
{
    public string Library { get; } = library;

    public string Compression { get; } = compression;

    public string Name => $"{Library} {Compression}";

    public abstract Task WriteAsync(ClickColumns clicks, int rowGroup, string path);
}
