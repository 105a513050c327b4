namespace ClickOrleans;

/// <summary>
/// A page of a stream's ledger: the sink's commits in [<paramref name="From"/>, <paramref name="To"/>), oldest entry
/// first, with the totals of every commit of that range (not only this page's).
/// </summary>
/// <param name="Next">The <c>after</c> of the next page; null on the last page.</param>
/// <param name="Sink">
/// The sink whose commits these are: the store (<c>postgres</c>, <c>sqlite</c>) or the archive (<c>parquet</c>). Last, so
/// that silos and Apis of the release before it still understand each other.
/// </param>
[GenerateSerializer, Immutable, Alias("ClickOrleans.StreamLedger")]
public sealed record StreamLedger(string Stream, DateTimeOffset From, DateTimeOffset To, LedgerTotals Totals, LedgerEntry[] Entries, long? Next, string Sink);

/// <summary>The commits of a ledger's range, the events they wrote and the checksum of all those events' ids.</summary>
[GenerateSerializer, Immutable, Alias("ClickOrleans.LedgerTotals")]
public sealed record LedgerTotals(long Commits, long Events, string Checksum);

/// <summary>
/// One sink commit: the events of private list <paramref name="PrivateList"/>, partition <paramref name="Partition"/>, at
/// positions [<paramref name="Start"/>, <paramref name="End"/>) that the sink wrote, committed together with the
/// partition's progress mark.
/// </summary>
/// <param name="Id">
/// The entry's number in the sink's ledger; pages follow it. The store numbers its entries as it commits them; the
/// archive numbers those of the range read, by commit time.
/// </param>
/// <param name="Sink">The sink that committed: <c>postgres</c>, <c>sqlite</c> or <c>parquet</c>.</param>
/// <param name="Events">The events written (refused events are not: they are dead letters).</param>
/// <param name="Checksum">
/// The XOR, over the events written, of each event id's two 64-bit halves XORed (16 hexadecimal digits): the same for
/// any split of the same events into commits, so the checksums of a range XOR to the checksum of its rows.
/// </param>
[GenerateSerializer, Immutable, Alias("ClickOrleans.LedgerEntry")]
public sealed record LedgerEntry(long Id, string Sink, string PrivateList, int Partition, long Start, long End, int Events, string Checksum, DateTimeOffset CommittedAt);
