namespace ClickOrleans.Sinks;

/// <summary>
/// A sink's progress mark for one private list and partition, as read under the mark's row lock: every click of that
/// partition at a position below <paramref name="CommittedTo"/> is written (or was refused), and a completed list is
/// written whole. Both sinks apply it the same way.
/// </summary>
internal readonly record struct PartitionProgress(long CommittedTo, bool Completed)
{
    /// <summary>The clicks of the batch not written yet: all of them, unless the batch is a replay.</summary>
    public StagedClick[] Unwritten(SinkBatch batch)
    {
        if (Completed)
        {
            return [];
        }

        var mark = CommittedTo;
        return Skips(batch) ? Array.FindAll(batch.Clicks, click => click.Position >= mark) : batch.Clicks;
    }

    /// <summary>Whether the batch reaches below the mark: a replay, whose skipped clicks' earlier refusals must be reported again.</summary>
    public bool Skips(SinkBatch batch) => !Completed && batch.ChunkStart < CommittedTo;

    /// <param name="unwritten">What <see cref="Unwritten"/> returned: the clicks this write tried.</param>
    /// <param name="refusedNow">Clicks of <paramref name="unwritten"/> the store refused.</param>
    /// <param name="refusedBefore">Skipped clicks an earlier write of the batch's range refused.</param>
    public static SinkResult Result(SinkBatch batch, int unwritten, List<RefusedClick> refusedNow, List<RefusedClick> refusedBefore) =>
        new(unwritten - refusedNow.Count,
            batch.Clicks.Length - unwritten - refusedBefore.Count,
            [.. refusedBefore, .. refusedNow]);
}
