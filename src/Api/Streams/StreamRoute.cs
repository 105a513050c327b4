using ClickOrleans.Streams;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClickOrleans.Api.Streams;

/// <summary>
/// The stream an endpoint addresses: the <c>{stream}</c> of its route (<c>/streams/{stream}/…</c>), or the built-in
/// <c>clicks</c> stream for the routes that predate streams (<c>/clicks</c>, <c>/stats</c>, <c>/admin/…</c>).
/// </summary>
/// <param name="Name">The name the route gave.</param>
/// <param name="Schema">The stream of that name; null when this deployment runs none.</param>
/// <param name="Catalog">Every stream this deployment runs.</param>
internal readonly record struct StreamRoute(string Name, StreamSchema? Schema, StreamCatalog Catalog)
{
    public const string Parameter = "stream";

    /// <summary>How minimal APIs bind it: from the route, against the deployment's <see cref="StreamCatalog"/>.</summary>
    public static ValueTask<StreamRoute> BindAsync(HttpContext context)
    {
        var catalog = context.RequestServices.GetRequiredService<StreamCatalog>();
        var name = context.GetRouteValue(Parameter) as string;
        return ValueTask.FromResult(name is null ? new StreamRoute(catalog.Clicks.Name, catalog.Clicks, catalog) : new StreamRoute(name, catalog.Find(name), catalog));
    }

    /// <summary>The 404 of every endpoint of a stream this deployment does not run.</summary>
    public ProblemHttpResult UnknownStream() =>
        TypedResults.Problem($"This deployment runs no stream '{Name}'; it runs: {string.Join(", ", Catalog.Streams.Select(s => s.Name))}.",
            statusCode: StatusCodes.Status404NotFound, title: "Unknown stream");
}
