namespace ClickOrleans.Drain;

/// <summary>The stats of one drain as it runs, its <see cref="DrainResult"/> at the end.</summary>
internal sealed class RunningDrainStats
{
    private long _elements;
    private long _written;
    private long _skipped;
    private long _dead;
    private long _lost;
    private int _chunks;

    public List<string> Lists { get; } = [];

    public void AddChunk(int elements, long written, long skipped, int dead)
    {
        _elements += elements;
        _written += written;
        _skipped += skipped;
        _dead += dead;
        _chunks++;
    }

    public void AddLost(long lost) => _lost += lost;

    public DrainResult ToResult(DateTimeOffset startedAt, TimeSpan duration) =>
        new([.. Lists], _elements, _written, _skipped, _dead, _lost, _chunks, startedAt, duration);
}
