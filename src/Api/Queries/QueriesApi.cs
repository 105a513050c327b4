using ClickOrleans.Api.Streams;
using ClickOrleans.Streams;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClickOrleans.Api.Queries;

/// <summary>What the data is for: per-product series, top products, a user's recent clicks, a declared stream's rollups and events, and the ledger of what each sink committed.</summary>
public static class QueriesApi
{
    private const int DefaultBuckets = 60, MaxBuckets = 10_000;
    private static readonly string[] RangeParameters = ["from", "to"];
    private static readonly string[] EventsParameters = ["from", "to", "limit"];
    private static readonly TimeSpan MaxEventsRange = TimeSpan.FromDays(31);
    private static readonly TimeSpan MaxMinuteRange = TimeSpan.FromDays(31);
    private static readonly TimeSpan MaxTopRange = TimeSpan.FromDays(31);
    private static readonly TimeSpan MaxUserRange = TimeSpan.FromDays(366);
    private static readonly TimeSpan MaxLedgerRange = TimeSpan.FromDays(31);
    private const int MaxLedgerEntries = 10_000;

    public static RouteGroupBuilder MapQueriesApi(this IEndpointRouteBuilder app)
    {
        var queries = app.MapGroup("").WithTags("Queries");
        queries.MapGet("/products/{pid:long}/clicks", GetProductClicks)
            .WithSummary("A product's clicks per minute in [from, to)")
            .WithDescription("from defaults to an hour before to; to defaults to now; the range spans at most 31 days.");
        queries.MapGet("/products/top", GetTopProducts)
            .WithSummary("The most clicked products")
            .WithDescription("since: an ISO 8601 duration back from now (default PT1H) or an RFC 3339 time; until: an RFC 3339 time (default now); the range spans at most 31 days; limit 1-1000 (default 10).");
        queries.MapGet("/users/{uid:long}/clicks", GetUserClicks)
            .WithSummary("A user's clicks in [from, to), newest first")
            .WithDescription("from defaults to 30 days before to (or the start of what the store keeps, under Streams:clicks:Retention); to defaults to now; the range spans at most 366 days; limit 1-1000 (default 100). "
                + "A from before what the store keeps is refused, naming the retention. For the next page, pass the oldest ts returned as to.");
        queries.MapGet("/streams/{stream}/rollups/{rollup}", GetRollup)
            .WithName("GetStreamRollup")
            .WithSummary("A declared stream's rollup per bucket in [from, to)")
            .WithDescription($"Buckets that start in [from, to), in order, each with its count and its sums. from defaults to {DefaultBuckets} buckets before to; to defaults to now; the range spans at most {MaxBuckets:N0} buckets. "
                + "Every other query parameter names a dimension of the rollup (its By fields) and the one value to keep (customer=ann); the buckets sum over the dimensions left open.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        queries.MapGet("/streams/{stream}/rollups/{rollup}/top", GetRollupTop)
            .WithName("GetStreamRollupTop")
            .WithSummary("The values of a rollup's dimension with the largest measure")
            .WithDescription("by: a dimension of the rollup (default: its first); measure: count (default) or sum(<field>) of one of its sums; since: an ISO 8601 duration back from now (default PT1H) or an RFC 3339 time; until: an RFC 3339 time (default now); "
                + $"the range spans at most {MaxBuckets:N0} buckets; limit 1-1000 (default 10). Largest first, ties by value; values as a query string gives them.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        queries.MapGet("/streams/{stream}/events", GetEvents)
            .WithName("GetStreamEvents")
            .WithSummary("A declared stream's events in [from, to), newest first")
            .WithDescription("from defaults to a day before to (or the start of what the store keeps, under Streams:<stream>:Retention); to defaults to now; the range spans at most 31 days; limit 1-1000 (default 100). "
                + "A from before what the store keeps is refused, naming the retention. "
                + "Every other query parameter names a field of one of the stream's indexes (Streams:<stream>:Indexes) and the one value to keep (customer=ann); "
                + "together they must be the first fields of one index, in any order. Each event has id, ts, every declared field (null where absent) and, for a stream that keeps them, extra. "
                + "For the next page, pass the oldest ts returned as to.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        queries.MapGet("/streams/{stream}/ledger", GetLedger)
            .WithName("GetStreamLedger")
            .WithSummary("A sink's ledger of a stream: every commit in [from, to), oldest first")
            .WithDescription("sink: the store (postgres or sqlite; the default) or, for an archived stream, parquet. "
                + "Each entry is one partition write the sink committed together with its progress mark: the private list, the positions [start, end) it covered, "
                + "the events it wrote, the checksum of their ids and the commit time. totals counts every entry of [from, to), not only this page's; "
                + "the checksums XOR to the checksum of the events' rows, so any sink can be reconciled against the ledger or another sink (README, \"The ledger\"). "
                + $"from defaults to a day before to; to defaults to now; the range spans at most {MaxLedgerRange.TotalDays:0} days; limit 1-{MaxLedgerEntries:N0} (default 1,000). "
                + "For the next page, pass next as after. A range that ends now can still gain entries of writes that are committing. "
                + "The store numbers its entries as it commits them; the archive numbers those of the range by commit time.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return queries;
    }

    private static async Task<Results<Ok<StreamLedger>, ValidationProblem, ProblemHttpResult>> GetLedger(
        StreamRoute route, string? sink, string? from, string? to, long? after, int? limit, IGrainFactory grains, TimeProvider time)
    {
        if (route.Schema is not { } stream)
        {
            return route.UnknownStream();
        }

        var parameters = new QueryParameters(time.GetUtcNow());
        parameters.Sink("sink", sink, stream);
        var end = parameters.Time("to", to, time.GetUtcNow());
        var start = parameters.Time("from", from, end.AddDays(-1));
        parameters.Range("from", start, "to", end, MaxLedgerRange);
        parameters.NonNegative("after", after ?? 0);
        var page = parameters.Limit("limit", limit, 1000, MaxLedgerEntries);
        if (!parameters.IsValid)
        {
            return Invalid(parameters);
        }

        return await Queries(grains).GetLedger(stream.Name, start, end, after ?? 0, page, sink) is { } ledger
            ? TypedResults.Ok(ledger)
            : TypedResults.Problem(
                $"The silos run no stream '{stream.Name}'{(sink is null ? "" : $" written to sink '{sink}'")}: their Streams section{(sink is null ? "" : " or their store")} differs from this Api's.",
                statusCode: StatusCodes.Status404NotFound, title: "Unknown stream");
    }

    private static async Task<Results<Ok<StreamEvents>, ValidationProblem, ProblemHttpResult>> GetEvents(
        StreamRoute route, string? from, string? to, int? limit, HttpRequest request, IGrainFactory grains, TimeProvider time)
    {
        if (route.Schema is not { } stream)
        {
            return route.UnknownStream();
        }

        var now = time.GetUtcNow();
        var parameters = new QueryParameters(now);
        var end = parameters.Time("to", to, now);
        var start = parameters.Time("from", from, Latest(end.AddDays(-1), stream.KeptSince(now)));
        parameters.Range("from", start, "to", end, MaxEventsRange);
        parameters.Retained("from", start, stream);
        var page = parameters.Limit("limit", limit, 100, 1000);
        var filters = new List<DimensionValue>();
        foreach (var (name, values) in request.Query.Where(parameter => !EventsParameters.Contains(parameter.Key, StringComparer.Ordinal)))
        {
            parameters.IndexedField(name, values, stream, filters);
        }

        if (parameters.IsValid && !stream.IsIndexed([.. filters.Select(filter => filter.Field)]))
        {
            parameters.Errors[filters[0].Field] = [$"the fields given ({string.Join(", ", filters.Select(filter => filter.Field))}) are not the first fields of one index; {QueryParameters.Indexes(stream)}"];
        }

        if (!parameters.IsValid)
        {
            return Invalid(parameters);
        }

        return await Queries(grains).GetEvents(stream.Name, [.. filters], start, end, page) is { } events
            ? TypedResults.Ok(StreamEvents.Of(stream, start, end, [.. filters], events))
            : TypedResults.Problem($"The silos run no stream '{stream.Name}' with these indexes as this Api declares it: their Streams section differs from this Api's.",
                statusCode: StatusCodes.Status404NotFound, title: "Unknown query");
    }

    private static async Task<Results<Ok<RollupTop>, ValidationProblem, ProblemHttpResult>> GetRollupTop(
        StreamRoute route, string rollup, string? by, string? measure, string? since, string? until, int? limit, IGrainFactory grains, TimeProvider time)
    {
        if (Rollup(route, rollup) is not { } found)
        {
            return UnknownRollup(route, rollup);
        }

        var (stream, declared) = found;
        var parameters = new QueryParameters(time.GetUtcNow());
        var span = TimeSpan.FromMilliseconds(declared.BucketMs) * MaxBuckets;
        var start = parameters.Since("since", since, TimeSpan.FromHours(1), span);
        var end = parameters.Time("until", until, time.GetUtcNow());
        var top = parameters.Limit("limit", limit, 10, 1000);
        parameters.Range("since", start, "until", end, span);
        by ??= declared.By.Count > 0 ? declared.By[0] : null;
        if (by is null || !declared.By.Contains(by, StringComparer.Ordinal))
        {
            parameters.Errors["by"] = [$"must be a dimension of rollup {declared.Name}: {(declared.By.Count == 0 ? "it has none" : string.Join(", ", declared.By))}"];
        }

        measure ??= "count";
        if (!declared.Measures.Contains(measure, StringComparer.Ordinal))
        {
            parameters.Errors["measure"] = [$"must be one of {string.Join(", ", declared.Measures)}"];
        }

        if (!parameters.IsValid)
        {
            return Invalid(parameters);
        }

        return await Queries(grains).GetRollupTop(stream.Name, declared.Name, by!, measure, start, end, top) is { } answer
            ? TypedResults.Ok(answer)
            : SilosLackRollup(stream, declared);
    }

    private static async Task<Results<Ok<RollupSeries>, ValidationProblem, ProblemHttpResult>> GetRollup(
        StreamRoute route, string rollup, string? from, string? to, HttpRequest request, IGrainFactory grains, TimeProvider time)
    {
        if (Rollup(route, rollup) is not { } found)
        {
            return UnknownRollup(route, rollup);
        }

        var (stream, declared) = found;
        var parameters = new QueryParameters(time.GetUtcNow());
        var bucket = TimeSpan.FromMilliseconds(declared.BucketMs);
        var end = parameters.Time("to", to, time.GetUtcNow());
        var start = parameters.Time("from", from, end - bucket * DefaultBuckets);
        parameters.Range("from", start, "to", end, bucket * MaxBuckets);
        var filters = new List<DimensionValue>();
        foreach (var (name, values) in request.Query.Where(parameter => !RangeParameters.Contains(parameter.Key, StringComparer.Ordinal)))
        {
            parameters.Dimension(name, values, stream, declared, filters);
        }

        if (!parameters.IsValid)
        {
            return Invalid(parameters);
        }

        return await Queries(grains).GetRollup(stream.Name, declared.Name, start, end, [.. filters]) is { } series
            ? TypedResults.Ok(series)
            : SilosLackRollup(stream, declared);
    }

    /// <summary>The stream of the route and its rollup of that name.</summary>
    private static (StreamSchema Stream, StreamRollup Rollup)? Rollup(StreamRoute route, string rollup) =>
        route.Schema is { } stream && stream.Rollups.FirstOrDefault(r => r.Name == rollup) is { } declared
            ? (stream, declared)
            : null;

    private static ProblemHttpResult UnknownRollup(StreamRoute route, string rollup) => route.Schema switch
    {
        null => route.UnknownStream(),
        var stream => UnknownRollup($"Stream '{stream.Name}' has no rollup '{rollup}'; it has: {(stream.Rollups.Count == 0 ? "none" : string.Join(", ", stream.Rollups.Select(r => r.Name)))}."),
    };

    private static ProblemHttpResult SilosLackRollup(StreamSchema stream, StreamRollup rollup) =>
        UnknownRollup($"The silos run no rollup '{rollup.Name}' of stream '{stream.Name}' as this Api declares it: their Streams section differs from this Api's.");

    private static ProblemHttpResult UnknownRollup(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Unknown rollup");

    private static async Task<Results<Ok<ProductClicks>, ValidationProblem>> GetProductClicks(
        long pid, string? from, string? to, IGrainFactory grains, TimeProvider time)
    {
        var parameters = new QueryParameters(time.GetUtcNow());
        parameters.NonNegative("pid", pid);
        var end = parameters.Time("to", to, time.GetUtcNow());
        var start = parameters.Time("from", from, end.AddHours(-1));
        parameters.Range("from", start, "to", end, MaxMinuteRange);
        if (!parameters.IsValid)
        {
            return Invalid(parameters);
        }

        return TypedResults.Ok(await Queries(grains).GetProductClicks(pid, start, end));
    }

    private static async Task<Results<Ok<TopProduct[]>, ValidationProblem>> GetTopProducts(
        string? since, string? until, int? limit, IGrainFactory grains, TimeProvider time)
    {
        var parameters = new QueryParameters(time.GetUtcNow());
        var start = parameters.Since("since", since, TimeSpan.FromHours(1), MaxTopRange);
        var end = parameters.Time("until", until, time.GetUtcNow());
        var top = parameters.Limit("limit", limit, 10, 1000);
        parameters.Range("since", start, "until", end, MaxTopRange);

        if (!parameters.IsValid)
        {
            return Invalid(parameters);
        }

        return TypedResults.Ok(await Queries(grains).GetTopProducts(start, end, top));
    }

    private static async Task<Results<Ok<UserClick[]>, ValidationProblem>> GetUserClicks(
        long uid, string? from, string? to, int? limit, IGrainFactory grains, StreamCatalog streams, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var clicks = streams.Find(ClickStream.Name)!;
        var parameters = new QueryParameters(now);
        parameters.NonNegative("uid", uid);
        var end = parameters.Time("to", to, now);
        var start = parameters.Time("from", from, Latest(end.AddDays(-30), clicks.KeptSince(now)));
        parameters.Range("from", start, "to", end, MaxUserRange);
        parameters.Retained("from", start, clicks);
        var page = parameters.Limit("limit", limit, 100, 1000);
        if (!parameters.IsValid)
        {
            return Invalid(parameters);
        }

        return TypedResults.Ok(await Queries(grains).GetUserClicks(uid, start, end, page));
    }

    /// <summary>A range's default start: <paramref name="fallback"/>, or the first time the store keeps when that is later.</summary>
    private static DateTimeOffset Latest(DateTimeOffset fallback, DateTimeOffset? keptSince) =>
        keptSince is { } since && since > fallback ? since : fallback;

    private static IQueryGrain Queries(IGrainFactory grains) => grains.GetGrain<IQueryGrain>(0);

    private static ValidationProblem Invalid(QueryParameters parameters) =>
        TypedResults.ValidationProblem(parameters.Errors, "The query parameters are invalid.");
}
