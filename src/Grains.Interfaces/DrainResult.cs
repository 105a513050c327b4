namespace ClickOrleans;

/// <summary>What one drain of a staging list did.</summary>
/// <param name="Lists">Private lists finished by this drain: orphans of earlier drains first, then the one taken over now.</param>
/// <param name="Elements">Elements read from those lists.</param>
/// <param name="Written">Clicks new to the sink.</param>
/// <param name="Duplicates">Clicks the sink already had (replays of a chunk, client retries).</param>
/// <param name="Dead">Elements that could not be parsed and went to the dead-letter list.</param>
/// <param name="Chunks">Chunks read and committed.</param>
[GenerateSerializer, Immutable]
public sealed record DrainResult(
    string[] Lists,
    long Elements,
    long Written,
    long Duplicates,
    long Dead,
    int Chunks,
    DateTimeOffset StartedAt,
    TimeSpan Duration);
