namespace ClickOrleans;

/// <summary>
/// The events of a declared stream's chunk that belong to one sink partition, written as <see cref="SinkBatch"/> is:
/// with the partition's progress mark, in one transaction, skipping what is below the mark.
/// </summary>
/// <param name="Stream">The stream's name: which table and columns the events go to.</param>
[GenerateSerializer, Immutable, Alias("ClickOrleans.EventBatch")]
public sealed record EventBatch(string Stream, string PrivateList, int Partition, long ChunkStart, long ChunkEnd, StagedEvent[] Events) : IPartitionWrite
{
    public int Count => Events.Length;
}
