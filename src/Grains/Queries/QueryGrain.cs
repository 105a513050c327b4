using Orleans.Concurrency;

namespace ClickOrleans.Queries;

/// <summary>Stateless: as many activations as the load needs, on whichever silo is closest.</summary>
[StatelessWorker]
public sealed class QueryGrain(IClickQueries queries) : Grain, IQueryGrain
{
    public async Task<ProductClicks> GetProductClicks(long pid, DateTimeOffset from, DateTimeOffset to)
    {
        var minutes = await queries.ProductMinutesAsync(pid, from, to, CancellationToken.None);
        var total = 0L;
        foreach (var minute in minutes)
        {
            total += minute.Clicks;
        }

        return new ProductClicks(pid, from, to, total, minutes);
    }

    public Task<TopProduct[]> GetTopProducts(DateTimeOffset since, DateTimeOffset until, int limit) =>
        queries.TopProductsAsync(since, until, limit, CancellationToken.None);

    public Task<UserClick[]> GetUserClicks(long uid, DateTimeOffset from, DateTimeOffset to, int limit) =>
        queries.UserClicksAsync(uid, from, to, limit, CancellationToken.None);
}
