using ClickOrleans.Staging;
using ClickOrleans.Streams;
using Microsoft.AspNetCore.Http.HttpResults;
using StackExchange.Redis;

namespace ClickOrleans.Api.Streams;

/// <summary>What streams this deployment runs: each one's fields, rollups, indexes, staging and tables; and how far each one's accepted events are committed.</summary>
public static class StreamsApi
{
    public static RouteGroupBuilder MapStreamsApi(this IEndpointRouteBuilder app)
    {
        var streams = app.MapGroup("/streams").WithTags("Streams");
        streams.MapGet("/", GetStreams)
            .WithSummary("Every stream this deployment runs, with its schema")
            .WithDescription("Each stream's fields (type, whether required, bounds), what becomes of properties its schema does not name, its rollups, indexes, staging key, shards and sink table.");
        streams.MapGet("/{stream}", GetStream)
            .WithSummary("One stream, with its schema")
            .ProducesProblem(StatusCodes.Status404NotFound);
        streams.MapGet("/{stream}/watermark", GetWatermark)
            .WithName("GetStreamWatermark")
            .WithSummary("How far a stream's accepted events are committed")
            .WithDescription("committedTo: every event accepted (answered 2xx, or pushed by a producer) before it is committed to every sink of the stream (or dead-lettered); "
                + "asOf: when this was read. Both in Redis' clock; per shard too. To read your own writes, wait until committedTo reaches the asOf of an answer read "
                + "after they were accepted (the .NET client's WaitForCommitAsync does). It moves with the drains: at most a drain period behind, unless the drain stalls.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return streams;
    }

    private static async Task<Results<Ok<StreamWatermark>, ProblemHttpResult>> GetWatermark(StreamRoute route, IDatabase redis) =>
        route.Schema is { } schema
            ? TypedResults.Ok(await StagingWatermark.ReadAsync(redis, schema.Name, new StagingStream(schema.StagingKey, schema.Shards)))
            : route.UnknownStream();

    private static Ok<IReadOnlyList<StreamSchema>> GetStreams(StreamCatalog catalog) => TypedResults.Ok(catalog.Streams);

    private static Results<Ok<StreamSchema>, ProblemHttpResult> GetStream(StreamRoute route) =>
        route.Schema is { } schema ? TypedResults.Ok(schema) : route.UnknownStream();
}
