using System.Buffers.Binary;
using System.Globalization;

namespace ClickOrleans.Sinks;

/// <summary>
/// What a partition write adds to the stream's ledger, committed in the same transaction as its progress mark: the
/// positions it covered (from the mark it found to the batch's end), the events it wrote and their checksum.
/// </summary>
internal readonly record struct LedgerCommit(long Start, int Events, long Checksum)
{
    /// <param name="unwritten">The rows the write tried (<see cref="PartitionProgress.Unwritten"/>).</param>
    /// <param name="refused">Those of them the store refused.</param>
    public static LedgerCommit Of(EventBatch batch, PartitionProgress progress, ReadOnlySpan<int> unwritten, List<RefusedEvent> refused)
    {
        var written = refused.Count == 0 ? unwritten : Without(batch.Events, unwritten, refused);
        return new LedgerCommit(progress.Skips(batch) ? progress.CommittedTo : batch.ChunkStart, written.Length, ChecksumOf(batch.Events, written));
    }

    /// <summary>The checksum of the rows' event ids, as the ledger of every sink keeps it.</summary>
    public static long ChecksumOf(EventRows events, ReadOnlySpan<int> rows)
    {
        var checksum = 0L;
        foreach (var row in rows)
        {
            checksum ^= Of(events.EventIds[row]);
        }

        return checksum;
    }

    /// <summary>An event id's share of a checksum: its two 64-bit halves (of its 16 bytes in RFC 9562 order) XORed.</summary>
    public static long Of(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        return BinaryPrimitives.ReadInt64BigEndian(bytes) ^ BinaryPrimitives.ReadInt64BigEndian(bytes[8..]);
    }

    /// <summary>A checksum as the ledger shows it: 16 hexadecimal digits (a JSON number would lose bits).</summary>
    public static string Format(long checksum) => ((ulong)checksum).ToString("x16", CultureInfo.InvariantCulture);

    private static int[] Without(EventRows events, ReadOnlySpan<int> rows, List<RefusedEvent> refused)
    {
        HashSet<long> left = [.. refused.Select(r => r.Position)];
        return Array.FindAll(rows.ToArray(), row => !left.Contains(events.Positions[row]));
    }
}
