using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClickOrleans.Staging;

/// <summary>Source-generated JSON for what the drain keeps in Redis.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DrainResult))]
[JsonSerializable(typeof(DrainFailure))]
[JsonSerializable(typeof(PrivateListLoss))]
[JsonSerializable(typeof(DeadLetter))]
internal sealed partial class StagingJsonContext : JsonSerializerContext;
