namespace ClickOrleans.Drain;

/// <summary>The running figures of one drain.</summary>
internal sealed class DrainTally
{
    private long _elements;
    private long _written;
    private long _duplicates;
    private long _dead;
    private int _chunks;

    public List<string> Lists { get; } = [];

    public void AddChunk(int elements, SinkResult sink, int dead)
    {
        _elements += elements;
        _written += sink.Written;
        _duplicates += sink.Duplicates;
        _dead += dead;
        _chunks++;
    }

    public DrainResult ToResult(DateTimeOffset startedAt, TimeSpan duration) =>
        new([.. Lists], _elements, _written, _duplicates, _dead, _chunks, startedAt, duration);
}
