using Orleans.Concurrency;

namespace ClickOrleans;

/// <summary>Reads the sink for the query API; any silo answers, so the Api needs no database credentials.</summary>
[Alias("ClickOrleans.IQueryGrain")]
public interface IQueryGrain : IGrainWithIntegerKey
{
    /// <summary>A product's clicks per minute in [from, to).</summary>
    [AlwaysInterleave]
    [Alias("GetProductClicks")]
    Task<ProductClicks> GetProductClicks(long pid, DateTimeOffset from, DateTimeOffset to);

    /// <summary>The most clicked products in [since, until).</summary>
    [AlwaysInterleave]
    [Alias("GetTopProducts")]
    Task<TopProduct[]> GetTopProducts(DateTimeOffset since, DateTimeOffset until, int limit);

    /// <summary>A user's clicks in [from, to), newest first.</summary>
    [AlwaysInterleave]
    [Alias("GetUserClicks")]
    Task<UserClick[]> GetUserClicks(long uid, DateTimeOffset from, DateTimeOffset to, int limit);
}

[GenerateSerializer, Immutable, Alias("ClickOrleans.ProductClicks")]
public sealed record ProductClicks(long Pid, DateTimeOffset From, DateTimeOffset To, long Total, MinuteClicks[] Minutes);

[GenerateSerializer, Immutable, Alias("ClickOrleans.MinuteClicks")]
public sealed record MinuteClicks(DateTimeOffset Minute, long Clicks);

[GenerateSerializer, Immutable, Alias("ClickOrleans.TopProduct")]
public sealed record TopProduct(long Pid, long Clicks);

[GenerateSerializer, Immutable, Alias("ClickOrleans.UserClick")]
public sealed record UserClick(string Id, long Pid, DateTimeOffset Ts);
