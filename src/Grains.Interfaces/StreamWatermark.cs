namespace ClickOrleans;

/// <summary>
/// How far a stream's accepted events are committed: every event accepted (answered 2xx, or pushed by a producer)
/// before <paramref name="CommittedTo"/> is committed to every sink of the stream (or dead-lettered). To read your own writes,
/// wait until <paramref name="CommittedTo"/> reaches the <paramref name="AsOf"/> of an answer read after they were accepted.
/// </summary>
/// <param name="AsOf">When this was read: the latest clock of the stream's shards (Redis').</param>
[GenerateSerializer, Immutable, Alias("ClickOrleans.StreamWatermark")]
public sealed record StreamWatermark(string Stream, DateTimeOffset CommittedTo, DateTimeOffset AsOf, ShardWatermark[] Shards);

/// <summary>One shard's staging list: every element accepted on it before <paramref name="CommittedTo"/> is committed, as of its Redis' clock <paramref name="AsOf"/>.</summary>
[GenerateSerializer, Immutable, Alias("ClickOrleans.ShardWatermark")]
public sealed record ShardWatermark(string StagingKey, DateTimeOffset CommittedTo, DateTimeOffset AsOf);
