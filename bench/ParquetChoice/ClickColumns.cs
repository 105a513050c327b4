namespace ClickOrleans.Bench.ParquetChoice;

/// <summary>
/// A million clicks as the archive would get them from a drain, column by column: the event id, the client's own id
/// where it gave one that is not a UUID (one in ten here), the time, and the seed's uid and pid (1,000 clicks a user).
/// </summary>
internal sealed class ClickColumns
{
    public ClickColumns(int count)
    {
        var start = new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);
        Ids = new Guid[count];
        ClientIds = new string?[count];
        Times = new DateTime[count];
        Uids = new long[count];
        Pids = new long[count];
        for (var i = 0; i < count; i++)
        {
            var at = start.AddMilliseconds(i * 3L);
            Ids[i] = Guid.CreateVersion7(at);
            ClientIds[i] = i % 10 == 0 ? $"order-{i}" : null;
            Times[i] = at.UtcDateTime;
            Uids[i] = (i / 1000) + 1;
            Pids[i] = i % 1000;
        }
    }

    public int Count => Ids.Length;

    public Guid[] Ids { get; }

    public string?[] ClientIds { get; }

    public DateTime[] Times { get; }

    public long[] Uids { get; }

    public long[] Pids { get; }

    /// <summary>What a reader must find in a file of these rows: count, sums of uid and pid, distinct ids, client ids.</summary>
    public (long Rows, long UidSum, long PidSum, long DistinctIds, long ClientIds) Expected =>
        (Count, Uids.Sum(), Pids.Sum(), Count, ClientIds.Count(id => id is not null));
}
