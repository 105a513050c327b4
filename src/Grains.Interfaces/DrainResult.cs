namespace ClickOrleans;

/// <summary>What one drain of a staging list did.</summary>
/// <param name="Lists">Private lists finished by this drain: those earlier drains left first, then the one taken over now.</param>
/// <param name="Elements">Elements read from those lists.</param>
/// <param name="Written">Clicks written to the sink.</param>
/// <param name="Skipped">Clicks the sink had already written (a replayed chunk): below its progress mark.</param>
/// <param name="Dead">Elements moved to the dead-letter list: not a valid click, or refused by the sink.</param>
/// <param name="Lost">Elements of private lists that vanished from Redis before they were drained (deleted behind the drain's back).</param>
/// <param name="Chunks">Chunks read and committed.</param>
[GenerateSerializer, Immutable, Alias("ClickOrleans.DrainResult")]
public sealed record DrainResult(
    string[] Lists,
    long Elements,
    long Written,
    long Skipped,
    long Dead,
    long Lost,
    int Chunks,
    DateTimeOffset StartedAt,
    TimeSpan Duration);
