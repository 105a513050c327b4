namespace ClickOrleans;

/// <summary>A backfill and how far it got: saved in the lake after each write, so that it survives the silo that ran it.</summary>
/// <param name="State"><see cref="Running"/>, <see cref="Done"/> or <see cref="Failed"/>.</param>
/// <param name="Hours">The hours of the range.</param>
/// <param name="HoursDone">The hours loaded whole: a resumed backfill goes on with the next.</param>
/// <param name="Read">Events read from the archive.</param>
/// <param name="Written">Events it stored.</param>
/// <param name="AlreadyStored">Events it found in the store already and left out: written by a drain after the start, or by an attempt a crash interrupted.</param>
/// <param name="Refused">Events the store refused for their data (a constraint added since they were drained).</param>
/// <param name="Attempts">Runs so far: more than one when a crash or a failure interrupted it.</param>
/// <param name="Error">The last failure: of a running backfill, which its next attempt retries; of a failed one, why it stopped.</param>
/// <param name="Replace">Whether it replaces what the store held of the range (<see cref="BackfillRequest.Replace"/>).</param>
/// <param name="ReplaceWatermark">
/// Of a replace, once the store's range is deleted: the stream's watermark must pass this time (Redis' clock, read after
/// the delete) before the archive is read, so that every event the store held of the range is archived by then.
/// </param>
[GenerateSerializer, Immutable, Alias("ClickOrleans.BackfillStatus")]
public sealed record BackfillStatus(
    string Sink,
    DateTimeOffset From,
    DateTimeOffset To,
    string State,
    int Hours,
    int HoursDone,
    long Read,
    long Written,
    long AlreadyStored,
    long Refused,
    int Attempts,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    string? Error,
    bool Replace = false,
    DateTimeOffset? ReplaceWatermark = null)
{
    public const string Running = "running";
    public const string Done = "done";
    public const string Failed = "failed";
}
