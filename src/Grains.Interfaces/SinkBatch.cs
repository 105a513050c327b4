namespace ClickOrleans;

/// <summary>
/// The clicks of one chunk of a private list that belong to one sink partition: positions
/// [<paramref name="ChunkStart"/>, <paramref name="ChunkEnd"/>) of that list, oldest first.
/// </summary>
/// <remarks>
/// The sink writes the clicks, their rollups and the partition's progress mark (<paramref name="ChunkEnd"/>) in one
/// transaction, skipping the clicks below the mark it already has: a replayed or overlapping chunk is written once.
/// </remarks>
[GenerateSerializer, Immutable, Alias("ClickOrleans.SinkBatch")]
public sealed record SinkBatch(string PrivateList, int Partition, long ChunkStart, long ChunkEnd, StagedClick[] Clicks) : IPartitionWrite
{
    public int Count => Clicks.Length;
}
