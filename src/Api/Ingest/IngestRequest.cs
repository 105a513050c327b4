using ClickOrleans.Staging;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Api.Ingest;

/// <summary>What an ingest endpoint is given: the request, and the services that validate and stage its clicks.</summary>
internal readonly record struct IngestRequest(
    HttpRequest Request, StreamStager Stager, IngestTelemetry Telemetry, TimeProvider Time, IOptions<ClickOptions> Options,
    CancellationToken CancellationToken)
{
    /// <summary>The click rules as of now: <c>ts</c> is judged against this moment.</summary>
    public ClickValidator Validator() => new(Time.GetUtcNow(), Options.Value);
}
