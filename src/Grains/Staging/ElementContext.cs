namespace ClickOrleans.Staging;

/// <summary>What the drain knows about the private list an element was read from.</summary>
/// <param name="IdSeed">Seeds the ids of elements pushed without one (<see cref="ClickId.SeedOf"/>).</param>
/// <param name="TakenOverAtMs">The time of an element pushed without <c>ts</c>: when its list was taken over.</param>
/// <param name="LatestTimestampMs">The latest plausible click time: the take-over plus <c>Clicks:MaxClockSkew</c>.</param>
public readonly record struct ElementContext(ulong IdSeed, long TakenOverAtMs, long LatestTimestampMs);
