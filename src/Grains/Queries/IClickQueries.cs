namespace ClickOrleans.Queries;

/// <summary>What the data is for: reads of the sink's rollups and raw clicks, the same answers from every sink.</summary>
public interface IClickQueries
{
    Task<MinuteClicks[]> ProductMinutesAsync(long pid, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    Task<TopProduct[]> TopProductsAsync(DateTimeOffset since, DateTimeOffset until, int limit, CancellationToken cancellationToken);

    Task<UserClick[]> UserClicksAsync(long uid, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken);
}
