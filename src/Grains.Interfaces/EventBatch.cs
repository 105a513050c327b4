namespace ClickOrleans;

/// <summary>
/// The events of one chunk of a private list, positions [<paramref name="ChunkStart"/>, <paramref name="ChunkEnd"/>),
/// that belong to one sink partition: rows <paramref name="Rows"/> of <paramref name="Events"/>, in the order they are written.
/// </summary>
/// <remarks>
/// The sink writes the events, their rollups and the partition's progress mark (<paramref name="ChunkEnd"/>) in one
/// transaction, skipping the events below the mark it already has: a replayed or overlapping chunk is written once.
/// </remarks>
/// <param name="Stream">The stream's name: which table, columns and rollups the events go to.</param>
/// <param name="Version">The stream's schema version the events were read by (<c>SchemaVersion</c>): the layout of their rows.</param>
[GenerateSerializer, Immutable, Alias("ClickOrleans.EventBatch")]
public sealed record EventBatch(string Stream, string Version, string PrivateList, int Partition, long ChunkStart, long ChunkEnd, EventRows Events, int[] Rows)
    : IPartitionWrite
{
    public int Count => Rows.Length;
}
