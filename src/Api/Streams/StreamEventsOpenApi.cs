using System.Globalization;
using ClickOrleans.Streams;
using Microsoft.OpenApi;

namespace ClickOrleans.Api.Streams;

/// <summary>
/// What the OpenAPI document says of each stream, so that a client generated from it is typed: a schema of its events
/// (<c>&lt;stream&gt;_event</c>: each field's JSON type, format and bounds, the required ones, whether other
/// properties are kept) and the stream's own ingest paths, <c>/streams/&lt;stream&gt;/events[/batch]</c>, which take
/// it and answer as the generic <c>/streams/{stream}/events[/batch]</c> do; <c>/clicks[/batch]</c> take the clicks
/// stream's, with whatever <c>Streams:clicks</c> adds to it.
/// </summary>
internal static class StreamEventsOpenApi
{
    private const string One = "/streams/{stream}/events", Batch = "/streams/{stream}/events/batch";

    public static void Describe(OpenApiDocument document, StreamCatalog streams)
    {
        if (document.Paths is null || !document.Paths.TryGetValue(One, out var one) || !document.Paths.TryGetValue(Batch, out var batch))
        {
            return;
        }

        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var stream in streams.Streams)
        {
            var name = stream.Name + "_event";
            document.Components.Schemas[name] = Schema(stream);
            var reference = new OpenApiSchemaReference(name, document);
            var array = new OpenApiSchema { Type = JsonSchemaType.Array, Items = reference };
            document.Paths[$"/streams/{stream.Name}/events"] = Typed(one, stream, "Event", reference);
            document.Paths[$"/streams/{stream.Name}/events/batch"] = Typed(batch, stream, "EventBatch", array);
            if (stream == streams.Clicks)
            {
                TakeBody(document.Paths["/clicks"], reference);
                TakeBody(document.Paths["/clicks/batch"], array);
            }
        }
    }

    private static void TakeBody(IOpenApiPathItem path, IOpenApiSchema body) =>
        ((OpenApiOperation)path.Operations![HttpMethod.Post]).RequestBody = Body(body);

    private static OpenApiRequestBody Body(IOpenApiSchema body) => new()
    {
        Required = true,
        Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = body } },
    };

    /// <summary>The generic operation with the stream in its path, its own operationId and the stream's body.</summary>
    private static OpenApiPathItem Typed(IOpenApiPathItem generic, StreamSchema stream, string kind, IOpenApiSchema body)
    {
        var source = generic.Operations![HttpMethod.Post];
        var operation = new OpenApiOperation((OpenApiOperation)source)
        {
            OperationId = $"Stage{string.Concat(stream.Name.Split('_').Select(word => char.ToUpperInvariant(word[0]) + word[1..]))}{kind}",
            Summary = $"{source.Summary} ({stream.Name})",
            Parameters = [.. (source.Parameters ?? []).Where(parameter => parameter.Name != StreamRoute.Parameter)],
            RequestBody = Body(body),
        };
        return new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Post] = operation } };
    }

    private static OpenApiSchema Schema(StreamSchema stream) => new()
    {
        Type = JsonSchemaType.Object,
        Description = stream.Description.Length > 0 ? stream.Description : $"An event of the stream {stream.Name}.",
        Properties = stream.Fields.ToDictionary(field => field.Name, field => (IOpenApiSchema)Schema(field)),
        Required = new HashSet<string>(stream.Fields.Where(field => field.Required).Select(field => field.Name)),
        AdditionalPropertiesAllowed = stream.Extra == ExtraProperties.Keep,
    };

    private static OpenApiSchema Schema(StreamField field)
    {
        var schema = field.Type switch
        {
            FieldType.Int64 => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" },
            FieldType.Float64 => new OpenApiSchema { Type = JsonSchemaType.Number, Format = "double" },
            FieldType.Decimal => new OpenApiSchema { Type = JsonSchemaType.Number, Format = "decimal" },
            FieldType.Bool => new OpenApiSchema { Type = JsonSchemaType.Boolean },
            FieldType.Timestamp => new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" },
            FieldType.Uuid => new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" },
            _ => new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = field.MaxLength },
        };
        schema.Description = field.Description.Length > 0 ? field.Description : null;
        schema.Minimum = field.Min?.ToString(CultureInfo.InvariantCulture);
        schema.Maximum = field.Max?.ToString(CultureInfo.InvariantCulture);
        return schema;
    }
}
