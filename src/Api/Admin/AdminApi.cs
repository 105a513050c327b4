using ClickOrleans.Staging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Api.Admin;

/// <summary>Operator endpoints.</summary>
public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").WithTags("Admin");
        admin.MapPost("/drain", Drain);
        return app;
    }

    /// <summary>Drains the staging list now (or joins the drain running) and says what it did.</summary>
    private static async Task<Ok<DrainResult>> Drain(IGrainFactory grains, IOptions<StagingOptions> staging) =>
        TypedResults.Ok(await grains.GetGrain<IAggregatorGrain>(staging.Value.StagingKey).Drain());
}
