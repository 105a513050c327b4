using System.Text.Json;
using System.Text.Json.Serialization;
using ClickOrleans.Api.Admin;
using ClickOrleans.Api.Ingest;
using ClickOrleans.Streams;

namespace ClickOrleans.Api;

/// <summary>
/// Source-generated JSON for every request and response body of the Api: property names exactly as documented (no
/// other case), each at most once.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.Strict, PropertyNameCaseInsensitive = false, AllowDuplicateProperties = false)]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(JsonElement[]))]
[JsonSerializable(typeof(ClickAccepted))]
[JsonSerializable(typeof(BatchAccepted))]
[JsonSerializable(typeof(DrainResult))]
[JsonSerializable(typeof(AggregatorStats))]
[JsonSerializable(typeof(BackfillRequest))]
[JsonSerializable(typeof(BackfillStatus))]
[JsonSerializable(typeof(ProductClicks))]
[JsonSerializable(typeof(TopProduct[]))]
[JsonSerializable(typeof(UserClick[]))]
[JsonSerializable(typeof(RollupSeries))]
[JsonSerializable(typeof(RollupTop))]
[JsonSerializable(typeof(StreamLedger))]
[JsonSerializable(typeof(StreamWatermark))]
[JsonSerializable(typeof(ClickOrleans.Api.Queries.StreamEvents))]
[JsonSerializable(typeof(DeadLetterPage))]
[JsonSerializable(typeof(DeadLettersReplayed))]
[JsonSerializable(typeof(DeadLettersPurged))]
[JsonSerializable(typeof(IReadOnlyList<StreamSchema>))]
[JsonSerializable(typeof(StreamSchema))]
internal sealed partial class ApiJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The same rules for the bodies minimal APIs bind and write, and so for the OpenAPI document, which describes them
    /// from these options (with the web defaults it would offer every number as a string too).
    /// </summary>
    public static void Configure(JsonSerializerOptions options)
    {
        options.NumberHandling = Default.Options.NumberHandling;
        options.PropertyNameCaseInsensitive = Default.Options.PropertyNameCaseInsensitive;
        options.AllowDuplicateProperties = Default.Options.AllowDuplicateProperties;
        options.TypeInfoResolverChain.Insert(0, Default);
    }
}
