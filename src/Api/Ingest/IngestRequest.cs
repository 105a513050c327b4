using ClickOrleans.Api.Streams;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Api.Ingest;

/// <summary>What an ingest endpoint is given: the request, the stream it addresses, and the services that validate and stage its events.</summary>
internal readonly record struct IngestRequest(
    HttpRequest Request, StreamRoute Route, StreamStagers Stagers, IngestTelemetry Telemetry, TimeProvider Time, IOptions<ClickOptions> Options,
    CancellationToken CancellationToken)
{
    /// <summary>The stream's rules as of now: <c>ts</c> is judged against this moment.</summary>
    public IngestBody Body(StreamSchema stream) =>
        new(new EventValidator(Route.Catalog.RulesOf(stream), Time.GetUtcNow(), Options.Value), stream.Name == ClickStream.Name ? "click" : "event");
}
