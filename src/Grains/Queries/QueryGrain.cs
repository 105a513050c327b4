using ClickOrleans.Sinks;
using ClickOrleans.Sinks.Parquet;
using ClickOrleans.Streams;
using Orleans.Concurrency;

namespace ClickOrleans.Queries;

/// <summary>Stateless: as many activations as the load needs, on whichever silo is closest.</summary>
[StatelessWorker]
public sealed class QueryGrain(ISinkQueries queries, StreamCatalog streams, IEventSink store, ParquetArchive archive, ArchiveLedger archiveLedger) : Grain, IQueryGrain
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

    public async Task<RollupTop?> GetRollupTop(string stream, string rollup, string by, string measure, DateTimeOffset from, DateTimeOffset to, int limit)
    {
        if (Find(stream, rollup) is not var (schema, declared)
            || !declared.By.Contains(by)
            || !declared.Measures.Contains(measure))
        {
            return null;
        }

        var top = await queries.RollupTopAsync(declared, schema.Fields.First(f => f.Name == by), measure, from, to, limit, CancellationToken.None);
        return new RollupTop(stream, rollup, by, measure, from, to, top);
    }

    public async Task<RollupSeries?> GetRollup(string stream, string rollup, DateTimeOffset from, DateTimeOffset to, DimensionValue[] filters)
    {
        if (Find(stream, rollup) is not var (schema, declared))
        {
            return null;
        }

        var values = new List<(StreamField, object)>();
        foreach (var filter in filters)
        {
            // The Api checked each filter against its own catalog: one this silo reads otherwise is a declaration that differs.
            var field = schema.Fields.FirstOrDefault(f => f.Name == filter.Field);
            if (field is null || !declared.By.Contains(filter.Field) || DimensionValues.Parse(field, filter.Value) is not { } value)
            {
                return null;
            }

            values.Add((field, value));
        }

        return new RollupSeries(stream, rollup, from, to, filters, await queries.RollupAsync(declared, values, from, to, CancellationToken.None));
    }

    public async Task<StoredEvent[]?> GetEvents(string stream, DimensionValue[] filters, DateTimeOffset from, DateTimeOffset to, int limit)
    {
        if (streams.Find(stream) is not { } schema || !schema.IsIndexed([.. filters.Select(filter => filter.Field)]))
        {
            return null;
        }

        var values = new List<(StreamField, object)>();
        foreach (var filter in filters)
        {
            // As for a rollup: the Api checked each value against its own catalog.
            var field = schema.Fields.First(f => f.Name == filter.Field);
            if (DimensionValues.Parse(field, filter.Value) is not { } value)
            {
                return null;
            }

            values.Add((field, value));
        }

        return await queries.EventsAsync(schema, values, from, to, limit, CancellationToken.None);
    }

    public async Task<StreamLedger?> GetLedger(string stream, DateTimeOffset from, DateTimeOffset to, long after, int limit, string? sink)
    {
        var archived = sink == StreamSinks.Parquet;
        if (streams.Find(stream) is null || (archived ? !archive.Archives(stream) : sink is not null && sink != store.Name))
        {
            return null;
        }

        var (totals, entries) = archived
            ? await archiveLedger.ReadAsync(stream, from, to, after, limit, CancellationToken.None)
            : await queries.LedgerAsync(stream, from, to, after, limit, CancellationToken.None);
        return new StreamLedger(stream, from, to, totals, entries, entries.Length == limit ? entries[^1].Id : null, archived ? StreamSinks.Parquet : store.Name);
    }

    /// <summary>The stream and its rollup of those names, as this silo runs them.</summary>
    private (StreamSchema Stream, StreamRollup Rollup)? Find(string stream, string rollup) =>
        streams.Find(stream) is { } schema && schema.Rollups.FirstOrDefault(r => r.Name == rollup) is { } declared
            ? (schema, declared)
            : null;
}
