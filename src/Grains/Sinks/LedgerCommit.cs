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
        var events = batch.Events;
        HashSet<long>? left = refused.Count > 0 ? [.. refused.Select(r => r.Position)] : null;
        var checksum = 0L;
        foreach (var row in unwritten)
        {
            if (left is null || !left.Contains(events.Positions[row]))
            {
                checksum ^= Of(events.EventIds[row]);
            }
        }

        return new LedgerCommit(progress.Skips(batch) ? progress.CommittedTo : batch.ChunkStart, unwritten.Length - refused.Count, checksum);
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
}
