namespace ClickOrleans;

/// <summary>
/// What every sink write is: the events of one chunk of a private list, positions [<see cref="ChunkStart"/>,
/// <see cref="ChunkEnd"/>), that belong to one sink partition.
/// </summary>
public interface IPartitionWrite
{
    string PrivateList { get; }

    int Partition { get; }

    long ChunkStart { get; }

    /// <summary>The partition's progress mark once the write commits.</summary>
    long ChunkEnd { get; }

    /// <summary>How many events the write carries.</summary>
    int Count { get; }
}
