namespace ClickOrleans.Client;

/// <summary>A product's clicks in a time range: the total and the per-minute series.</summary>
public sealed record ProductClicks(long Pid, DateTimeOffset From, DateTimeOffset To, long Total, MinuteClicks[] Minutes);

public sealed record MinuteClicks(DateTimeOffset Minute, long Clicks);

public sealed record TopProduct(long Pid, long Clicks);

/// <summary>One click of a user: its id (the one <see cref="ClickClient.TrackAsync"/> gave it), product and time.</summary>
public sealed record UserClick(string Id, long Pid, DateTimeOffset Ts);

/// <summary>
/// How far a stream's accepted events are committed: every event accepted before <see cref="CommittedTo"/> is in its
/// sink (or dead-lettered), as read at <see cref="AsOf"/>; both in the Api's staging clock (Redis').
/// </summary>
public sealed record StreamWatermark(string Stream, DateTimeOffset CommittedTo, DateTimeOffset AsOf);

/// <summary>What the Api answers to a batch.</summary>
internal sealed record BatchAccepted(int Accepted);

