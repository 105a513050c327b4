namespace ClickOrleans;

/// <summary>What one bulk write did: rows new to the sink, and rows it already had (replays).</summary>
[GenerateSerializer, Immutable]
public readonly record struct SinkResult(int Written, int Duplicates)
{
    public static SinkResult operator +(SinkResult left, SinkResult right) =>
        new(left.Written + right.Written, left.Duplicates + right.Duplicates);
}
