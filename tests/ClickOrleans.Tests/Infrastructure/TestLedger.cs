using System.Globalization;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>
/// A stream's ledger as a user reconciles it: every entry of a range read page by page, and the checksum of ids the test
/// knows, computed from their text (not the way the sink computes it).
/// </summary>
public static class TestLedger
{
    /// <summary>The XOR over the ids of each id's two 64-bit halves, as 16 hexadecimal digits.</summary>
    public static string Checksum(IEnumerable<Guid> ids)
    {
        var checksum = 0UL;
        foreach (var hex in ids.Select(id => id.ToString("N")))
        {
            checksum ^= ulong.Parse(hex[..16], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                ^ ulong.Parse(hex[16..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }

        return checksum.ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>The checksums XORed: the checksum of all their events.</summary>
    public static string Xor(IEnumerable<string> checksums) =>
        checksums.Aggregate(0UL, (xor, checksum) => xor ^ ulong.Parse(checksum, NumberStyles.HexNumber, CultureInfo.InvariantCulture))
            .ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>Every entry of the sink's ledger of the stream in [from, to), read in pages of <paramref name="limit"/>.</summary>
    /// <param name="sink">The store (null) or <c>parquet</c>.</param>
    public static async Task<(LedgerTotals Totals, List<LedgerEntry> Entries)> ReadAsync(
        IQueryGrain queries, string stream, DateTimeOffset from, DateTimeOffset to, int limit = 1000, string? sink = null)
    {
        var entries = new List<LedgerEntry>();
        LedgerTotals? totals = null;
        long? after = 0;
        while (after is { } cursor)
        {
            var page = await queries.GetLedger(stream, from, to, cursor, limit, sink) ?? throw new InvalidOperationException($"The silos run no stream '{stream}'.");
            totals ??= page.Totals;
            entries.AddRange(page.Entries);
            after = page.Next;
        }

        return (totals!, entries);
    }

    /// <summary>The entries of one private list since <paramref name="since"/>.</summary>
    public static async Task<LedgerEntry[]> OfAsync(IQueryGrain queries, string stream, string privateList, DateTimeOffset since) =>
        [.. (await ReadAsync(queries, stream, since, DateTimeOffset.UtcNow.AddMinutes(1))).Entries.Where(entry => entry.PrivateList == privateList)];
}
