namespace ClickOrleans;

/// <summary>How one sink of a stream keeps up: what it committed, when it last did, and whether it fails now.</summary>
/// <param name="Name">The sink: <c>postgres</c> or <c>sqlite</c> (the store), or <c>parquet</c> (the archive).</param>
/// <param name="Written">Events it committed; a replay's events it already had are not counted again.</param>
/// <param name="LastCommit">When it last committed a write or a list's completion (Redis' clock).</param>
/// <param name="LastFailure">Its last write or completion that still failed after its retries, and why.</param>
/// <param name="FailuresInARow">Its calls that failed since its last commit: above 0, the sink is down and holds its stream back.</param>
[GenerateSerializer, Immutable, Alias("ClickOrleans.SinkStats")]
public sealed record SinkStats(string Name, long Written, DateTimeOffset? LastCommit, DrainFailure? LastFailure, long FailuresInARow);
