namespace ClickOrleans.Sinks;

/// <summary>
/// A sink's progress mark for one private list and partition, as read under the mark's row lock: every event of that
/// partition at a position below <paramref name="CommittedTo"/> is written (or was refused), and a completed list is
/// written whole. Both sinks apply it the same way.
/// </summary>
internal readonly record struct PartitionProgress(long CommittedTo, bool Completed)
{
    /// <summary>The rows of the batch not written yet: all of them, unless the batch is a replay.</summary>
    public int[] Unwritten(EventBatch batch)
    {
        if (Completed)
        {
            return [];
        }

        if (!Skips(batch))
        {
            return batch.Rows;
        }

        var mark = CommittedTo;
        var positions = batch.Events.Positions;
        return Array.FindAll(batch.Rows, row => positions[row] >= mark);
    }

    /// <summary>Whether the batch reaches below the mark: a replay, whose skipped events' earlier refusals must be reported again.</summary>
    public bool Skips(IPartitionWrite batch) => !Completed && batch.ChunkStart < CommittedTo;

    /// <param name="unwritten">How many events <see cref="Unwritten"/> returned: the events this write tried.</param>
    /// <param name="refusedNow">Events of those the store refused.</param>
    /// <param name="refusedBefore">Skipped events an earlier write of the batch's range refused.</param>
    public static SinkResult Result(IPartitionWrite batch, int unwritten, List<RefusedEvent> refusedNow, List<RefusedEvent> refusedBefore) =>
        new(unwritten - refusedNow.Count,
            batch.Count - unwritten - refusedBefore.Count,
            [.. refusedBefore, .. refusedNow]);
}
