using ClickOrleans.Streams;
using ClickOrleans.Tests.Infrastructure;

namespace ClickOrleans.Tests.Sinks;

/// <summary>
/// A sink partition given the same clicks again, as after a crash between the sink's commit and Redis', or by a
/// stale drain: its progress mark makes it write each click once and count it in the rollups once. Run once per sink.
/// </summary>
// Writes through the sink grain alone: no Redis in them, so one run is enough.
[Trait("Category", "AnyRedis")]
public abstract class SinkTests(ClusterFixture cluster)
{
    [SkippableFact]
    public async Task SameBatchTwice_IsWrittenOnce()
    {
        cluster.Require();
        var data = new TestData();
        var batch = Batch(data, 0, 0, 100);

        var first = await Write(batch);
        var second = await Write(batch);

        Assert.Equal((100, 0), (first.Written, first.Skipped));
        Assert.Equal((0, 100), (second.Written, second.Skipped));
        Assert.Equal(100, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
        Assert.Equal(100, await cluster.Probe.MinuteClicksAsync(data.PidFrom, data.PidTo));
    }

    [SkippableFact]
    public async Task OverlappingBatch_OfAnotherChunkSize_WritesOnlyWhatIsAboveTheMark()
    {
        cluster.Require();
        var data = new TestData();
        await Write(Batch(data, 0, 0, 60));

        var overlapping = await Write(Batch(data, 0, 40, 100));

        Assert.Equal((40, 20), (overlapping.Written, overlapping.Skipped));
        Assert.Equal(100, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
        Assert.Equal(100, await cluster.Probe.MinuteClicksAsync(data.PidFrom, data.PidTo));
    }

    [SkippableFact]
    public async Task EachPartition_HasAMarkOfItsOwn()
    {
        cluster.Require();
        var data = new TestData();
        await Write(Batch(data, 0, 0, 50));

        var other = await Write(Batch(data, 1, 0, 50, uidOffset: 1));

        Assert.Equal((50, 0), (other.Written, other.Skipped));
        Assert.Equal(50, (await cluster.Probe.ClickIdsAsync(data.Uid + 1)).Count);
    }

    [SkippableFact]
    public async Task RefusedClick_IsLeftOut_AndReportedAgainWhenItsBatchIsReplayed()
    {
        cluster.Require();
        var data = new TestData();
        var refusedUid = data.Uid + 1;
        var clicks = Batch(data, 0, 0, 100).Clicks;
        clicks[37] = clicks[37] with { Uid = refusedUid };
        var batch = new ClickBatch(PrivateList(data), 0, 0, 100, clicks);
        await cluster.Probe.InjectRefusalAsync(refusedUid);
        try
        {
            await AssertOneRefusedAsync(data, batch, 37, $"injected refusal for uid {refusedUid}");
            Assert.Empty(await cluster.Probe.ClickIdsAsync(refusedUid));
        }
        finally
        {
            await cluster.Probe.RemoveFaultAsync(refusedUid);
        }
    }

    [SkippableFact]
    public async Task RollupTheStoreRefuses_IsOneRefusedClick_AndTheRestWrittenOnce()
    {
        cluster.Require();
        var data = new TestData();
        var refusedPid = data.PidTo + 1;
        var clicks = Batch(data, 0, 0, 100).Clicks;
        clicks[61] = clicks[61] with { Pid = refusedPid };
        var batch = new ClickBatch(PrivateList(data), 0, 0, 100, clicks);
        await cluster.Probe.RefuseRollupsAsync(refusedPid);
        try
        {
            await AssertOneRefusedAsync(data, batch, 61, $"{refusedPid}");
        }
        finally
        {
            await cluster.Probe.AcceptRollupsAsync(refusedPid);
        }
    }

    [SkippableFact]
    public async Task Ledger_HasAnEntryPerCommit_WithTheRangeItCovered_AndReconcilesWithTheRows()
    {
        cluster.Require();
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        var data = new TestData();
        var whole = Batch(data, 0, 0, 100);
        await Write(Batch(data, 0, 0, 60));

        // A replay with another chunk size commits its new events only; the same again commits nothing.
        await Write(Batch(data, 0, 40, 100));
        await Write(Batch(data, 0, 40, 100));

        var entries = await TestLedger.OfAsync(Queries(), ClickStream.Name, PrivateList(data), since);
        Assert.Equal([(0L, 60L, 60), (60L, 100L, 40)], entries.Select(entry => (entry.Start, entry.End, entry.Events)));
        Assert.Equal(TestLedger.Checksum(whole.Clicks[..60].Select(click => click.EventId)), entries[0].Checksum);
        Assert.Equal(TestLedger.Checksum(whole.Clicks.Select(click => click.EventId)), TestLedger.Xor(entries.Select(entry => entry.Checksum)));
        Assert.Equal((100L, TestLedger.Xor(entries.Select(entry => entry.Checksum))), await cluster.Probe.ClickIdChecksumAsync(data.Uid));
    }

    /// <summary>
    /// The totals of a range are those of all its entries, however many pages they take; read again until no write of
    /// another test commits into the range meanwhile.
    /// </summary>
    [SkippableFact]
    public async Task LedgerTotals_AreTheEntriesOfTheRange_AcrossPages()
    {
        cluster.Require();
        var from = DateTimeOffset.UtcNow.AddMinutes(-1);
        var data = new TestData();
        for (var partition = 0; partition < 3; partition++)
        {
            await Write(Batch(data, partition, 0, 10, uidOffset: partition));
        }

        var to = DateTimeOffset.UtcNow.AddSeconds(1);
        var (totals, entries, again) = await Poll.UntilAsync(async () =>
        {
            var (before, paged) = await TestLedger.ReadAsync(Queries(), ClickStream.Name, from, to, limit: 2);
            return (before, paged, (await TestLedger.ReadAsync(Queries(), ClickStream.Name, from, to)).Totals);
        }, read => read.before == read.Item3, TimeSpan.FromSeconds(30));

        Assert.Equal(totals, again);
        Assert.Equal(new LedgerTotals(entries.Count, entries.Sum(entry => (long)entry.Events), TestLedger.Xor(entries.Select(entry => entry.Checksum))), totals);
        Assert.Equal(3, entries.Count(entry => entry.PrivateList == PrivateList(data)));
        Assert.Equal(entries.Count, entries.DistinctBy(entry => entry.Id).Count());
    }

    /// <summary>One click of the batch refused, the other 99 written with their rollups, once, and the refusal reported again on replay.</summary>
    protected async Task AssertOneRefusedAsync(TestData data, ClickBatch batch, int refusedPosition, string reasonContains)
    {
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        var first = await Write(batch);
        var replay = await Write(batch);

        Assert.Equal((99, 0), (first.Written, first.Skipped));
        var refused = Assert.Single(first.Refused);
        Assert.Equal(refusedPosition, refused.Position);
        Assert.Contains(reasonContains, refused.Reason);
        Assert.Equal((0, 99), (replay.Written, replay.Skipped));
        Assert.Equal(refused, Assert.Single(replay.Refused));
        Assert.Equal(99, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
        Assert.Equal(99, await cluster.Probe.MinuteClicksAsync(data.PidFrom, data.PidTo));

        // The ledger counts what was written, not the refusal: one commit of 99 events, whose checksum is the rows'.
        var entry = Assert.Single(await TestLedger.OfAsync(Queries(), ClickStream.Name, batch.PrivateList, since));
        Assert.Equal((batch.ChunkStart, batch.ChunkEnd, 99), (entry.Start, entry.End, entry.Events));
        Assert.Equal(TestLedger.Checksum(batch.Clicks.Where(click => click.Position != refusedPosition).Select(click => click.EventId)), entry.Checksum);
        Assert.Equal((99L, entry.Checksum), await cluster.Probe.ClickIdChecksumAsync(data.Uid));
    }

    [SkippableFact]
    public async Task CompletedList_IsSkippedWhole_EvenWhereNoMarkReached()
    {
        cluster.Require();
        var data = new TestData();
        await Write(Batch(data, 0, 0, 50));
        await Sink().Complete(PrivateList(data));

        var stale = await Write(Batch(data, 0, 50, 100));

        Assert.Equal((0, 50), (stale.Written, stale.Skipped));
        Assert.Equal(50, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
    }

    protected ISinkGrain Sink() => cluster.Grains.GetGrain<ISinkGrain>(0);

    protected IQueryGrain Queries() => cluster.Grains.GetGrain<IQueryGrain>(0);

    protected Task<SinkResult> Write(ClickBatch batch) => Sink().WriteEvents(batch.ToEvents());

    protected static string PrivateList(TestData data) => ClickBatch.PrivateListOf(data);

    protected static ClickBatch Batch(TestData data, int partition, int from, int to, int uidOffset = 0) => ClickBatch.Of(data, partition, from, to, uidOffset);

}

/// <summary>SQLite: a trigger's refusal in every form SQLite has is one refused click, inside the group's transaction.</summary>
[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteSinkTests(SqliteClusterFixture cluster) : SinkTests(cluster)
{
    [SkippableTheory]
    [InlineData("BEFORE", "ROLLBACK")]
    [InlineData("AFTER", "ROLLBACK")]
    [InlineData("BEFORE", "ABORT")]
    [InlineData("BEFORE", "FAIL")]
    [InlineData("AFTER", "FAIL")]
    public async Task TriggerRefusal_InAnyForm_IsOneRefusedClick_AndTheOtherShardsBatchIsWrittenWhole(string timing, string action)
    {
        cluster.Require();
        var data = new TestData();
        var other = new TestData();
        var refusedUid = data.Uid + 1;
        var clicks = Batch(data, 0, 0, 100).Clicks;
        clicks[13] = clicks[13] with { Uid = refusedUid };
        var probe = (SqliteSinkProbe)cluster.Probe;
        await probe.RefuseWithTriggerAsync(refusedUid, timing, action);
        try
        {
            // Written at once, the two batches may share the group's transaction.
            var otherWrite = Write(Batch(other, 0, 0, 100));
            await AssertOneRefusedAsync(data, new ClickBatch(PrivateList(data), 0, 0, 100, clicks), 13, $"refused with {action}");
            Assert.Equal(100, (await otherWrite).Written);
            Assert.Equal(100, (await cluster.Probe.ClickIdsAsync(other.Uid)).Count);
            Assert.Empty(await cluster.Probe.ClickIdsAsync(refusedUid));
        }
        finally
        {
            await probe.RemoveTriggerAsync(refusedUid);
        }
    }
}

/// <summary>PostgreSQL: a deferred constraint that refuses at COMMIT is one refused click.</summary>
[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresSinkTests(PostgresClusterFixture cluster) : SinkTests(cluster)
{
    [SkippableFact]
    public async Task DeferredConstraintRefusingAtCommit_IsOneRefusedClick_AndTheRestWrittenOnce()
    {
        cluster.Require();
        var data = new TestData();
        var refusedUid = data.Uid + 1;
        var clicks = Batch(data, 0, 0, 100).Clicks;
        clicks[42] = clicks[42] with { Uid = refusedUid };
        var probe = (PostgresSinkProbe)cluster.Probe;
        await probe.RefuseAtCommitAsync(refusedUid);
        try
        {
            await AssertOneRefusedAsync(data, new ClickBatch(PrivateList(data), 0, 0, 100, clicks), 42, $"deferred refusal for uid {refusedUid}");
            Assert.Empty(await cluster.Probe.ClickIdsAsync(refusedUid));
        }
        finally
        {
            await probe.AcceptAtCommitAsync(refusedUid);
        }
    }
}
