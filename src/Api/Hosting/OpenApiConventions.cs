using System.Reflection;
using ClickOrleans.Api.Security;
using ClickOrleans.Api.Streams;
using ClickOrleans.Streams;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;

namespace ClickOrleans.Api.Hosting;

/// <summary>
/// What the OpenAPI document says beyond the endpoints' own metadata, so that a client generated from it works: the
/// API-key schemes (<c>X-Api-Key</c> and Bearer) and each operation's scope, the 401/403/429 problem details every
/// scoped operation may answer, an <c>operationId</c> per operation (its name, or its handler's), the <c>{stream}</c>
/// path parameter, each declared stream's typed events (<see cref="StreamEventsOpenApi"/>), tag descriptions, and a
/// server URL without a trailing slash. Checked with Redocly's recommended rules in <c>.ci/run</c>.
/// </summary>
internal static class OpenApiConventions
{
    private const string ApiKeyScheme = "ApiKey";
    private const string BearerScheme = "Bearer";
    private const string ProblemJson = "application/problem+json";

    private static readonly Dictionary<string, string> Tags = new()
    {
        ["Clicks"] = "Ingest: stage clicks for the next drain (scope ingest).",
        ["Streams"] = "The streams this deployment runs, with their schemas (scope read), and their events' ingest (scope ingest).",
        ["Queries"] = "What the data is for: per-product series, top products, a user's clicks (scope read).",
        ["Admin"] = "Operate the pipeline: drains, stats, dead letters (scope admin).",
    };

    public static IServiceCollection AddClickOrleansOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, context, _) =>
            {
                StreamEventsOpenApi.Describe(document, context.ApplicationServices.GetRequiredService<StreamCatalog>());
                foreach (var server in document.Servers ?? [])
                {
                    server.Url = server.Url?.TrimEnd('/');
                }

                document.Tags = new HashSet<OpenApiTag>(Tags.Select(tag => new OpenApiTag { Name = tag.Key, Description = tag.Value }));
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = ApiKeyAuthenticationHandler.HeaderName,
                    Description = "A key of Api:Keys; an Api without keys (embedded, loopback only) needs none.",
                };
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "The same key as Authorization: Bearer <key>.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                operation.OperationId ??= metadata.OfType<MethodInfo>().FirstOrDefault()?.Name;
                if (context.Description.RelativePath?.Contains("{" + StreamRoute.Parameter + "}", StringComparison.Ordinal) == true)
                {
                    // Bound by StreamRoute.BindAsync, which the description cannot see through.
                    operation.Parameters ??= [];
                    operation.Parameters.Insert(0, new OpenApiParameter
                    {
                        Name = StreamRoute.Parameter,
                        In = ParameterLocation.Path,
                        Required = true,
                        Description = "The stream's name, as GET /streams lists it.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    });
                }
                if (metadata.OfType<IAuthorizeData>().Select(data => data.Policy).FirstOrDefault(policy => policy is not null) is not { } scope)
                {
                    return Task.CompletedTask;
                }

                operation.Description = $"{operation.Description}{(operation.Description is null ? "" : " ")}Needs a key with the {scope} scope.";
                operation.Security ??= [];
                foreach (var scheme in new[] { ApiKeyScheme, BearerScheme })
                {
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] });
                }

                operation.Responses ??= new OpenApiResponses();
                operation.Responses.TryAdd("401", Problem("No key, or a key the Api does not know.", context.Document));
                operation.Responses.TryAdd("403", Problem($"The key lacks the {scope} scope.", context.Document));
                operation.Responses.TryAdd("429", Problem("The key (or, without a valid key, the address) sent more than Api:RequestsPerSecond; see Retry-After.", context.Document));
                return Task.CompletedTask;
            });
        });

    private static OpenApiResponse Problem(string description, OpenApiDocument? document) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            [ProblemJson] = new() { Schema = new OpenApiSchemaReference("ProblemDetails", document) },
        },
    };
}
