using ClickOrleans.Streams;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClickOrleans.Api.Streams;

/// <summary>What streams this deployment runs: each one's fields, rollups, indexes, staging and tables.</summary>
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
        return streams;
    }

    private static Ok<IReadOnlyList<StreamSchema>> GetStreams(StreamCatalog catalog) => TypedResults.Ok(catalog.Streams);

    private static Results<Ok<StreamSchema>, ProblemHttpResult> GetStream(StreamRoute route) =>
        route.Schema is { } schema ? TypedResults.Ok(schema) : route.UnknownStream();
}
