using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClickOrleans.Client;

/// <summary>Source-generated JSON of the Api's bodies.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(List<System.Text.Json.Nodes.JsonObject>))]
[JsonSerializable(typeof(BatchAccepted))]
[JsonSerializable(typeof(ProductClicks))]
[JsonSerializable(typeof(TopProduct[]))]
[JsonSerializable(typeof(UserClick[]))]
[JsonSerializable(typeof(StreamWatermark))]
internal sealed partial class ClientJson : JsonSerializerContext;
