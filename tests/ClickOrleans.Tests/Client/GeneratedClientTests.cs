using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ClickOrleans.Tests.Generated;
using ClickOrleans.Tests.Generated.Models;
using ClickOrleans.Tests.Infrastructure;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;

namespace ClickOrleans.Tests.Client;

/// <summary>
/// A client generated from the OpenAPI document by a third party's generator (Kiota, scripts/openapi-client.sh), from
/// the committed docs/openapi.json: it sends its key where the document says and gets typed results and typed problems.
/// </summary>
[Trait("Category", "AnyRedis")]
[Collection(SqliteClusterCollection.Name)]
public sealed class GeneratedClientTests(SqliteClusterFixture cluster)
{

    /// <summary>The generated client is only as good as the document it came from: the committed one is the one served.</summary>
    [Fact]
    public async Task CommittedDocument_IsTheDocumentTheApiServes()
    {
        await using var api = Api(new TestData());
        using var http = api.CreateClient();

        var served = (await http.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var committed = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(BuiltHost.RepositoryRoot, "docs", "openapi.json")))!.AsObject();

        served.Remove("servers");
        committed.Remove("servers");
        // The committed document is the default configuration's, which declares no stream; this Api runs the fixture's.
        foreach (var stream in cluster.Streams.Declared)
        {
            served["paths"]!.AsObject().Remove($"/streams/{stream.Name}/events");
            served["paths"]!.AsObject().Remove($"/streams/{stream.Name}/events/batch");
            served["components"]!["schemas"]!.AsObject().Remove($"{stream.Name}_event");
        }

        Assert.True(JsonNode.DeepEquals(served, committed),
            "docs/openapi.json differs from the document the Api serves: run `scripts/openapi-client.sh` after `dotnet build -c Release`, " +
            "and commit docs/openapi.json with the client it generates");
    }

    [Fact]
    public async Task ClientGeneratedFromTheDocument_SendsItsKey_AndGetsTypedResults()
    {
        var data = new TestData();
        await using var api = Api(data);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds()); // stored to the millisecond
        var clicks = Enumerable.Range(0, 3).Select(i => new Clicks_event { Id = $"{data.Uid}-generated-{i}", Uid = data.Uid, Pid = data.Pid(i), Ts = at }).ToList();

        var accepted = await Client(api, TestKeys.Ingest).Clicks.Batch.PostAsync(clicks);
        var refused = await Assert.ThrowsAsync<ProblemDetails>(() => Client(api, TestKeys.Ingest).Users[data.Uid].Clicks.GetAsync());
        var drained = await Client(api, TestKeys.Admin).Admin.Drain.PostAsync();
        var stored = await Client(api, TestKeys.Read).Users[data.Uid].Clicks.GetAsync(request => request.QueryParameters.Limit = 10);

        Assert.Equal(3, accepted!.Accepted);
        Assert.Equal(403, refused.Status);
        Assert.True(drained!.Written >= 3, $"{drained.Written} written");
        Assert.Equal(403, refused.ResponseStatusCode);
        Assert.Equal(clicks.Select(click => (click.Id, click.Pid, click.Ts)).Order(), stored!.Select(click => (click.Id, click.Pid, click.Ts)).Order());
    }

    // Kiota sends a key over https only; the test server answers any scheme.
    private static ClickOrleansApiClient Client(ApiFactory api, string key) =>
        new(new HttpClientRequestAdapter(new ApiKeyAuthenticationProvider(key, "X-Api-Key", ApiKeyAuthenticationProvider.KeyLocation.Header), httpClient: api.CreateClient())
        {
            BaseUrl = "https://localhost",
        });

    private ApiFactory Api(TestData data) => cluster.Api(data.StagingKey, TestKeys.Settings);
}
