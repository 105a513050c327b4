using ClickOrleans.Streams;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Staging;

/// <summary>
/// The stager of every stream this deployment runs: the clicks stream's (with the <c>Clicks</c> settings), and one per
/// declared stream, made once with the stream's own settings (<see cref="StreamCatalog.OptionsOf"/>).
/// </summary>
public sealed class StreamStagers(
    StreamStager clicks, StreamCatalog streams, AcknowledgedWrites writes, IGrainFactory grains, ILogger<StreamStager> logger)
{
    private readonly Dictionary<string, StreamStager> _declared = streams.Declared.ToDictionary(
        stream => stream.Name,
        stream => new StreamStager(writes, new StagingStream(stream.StagingKey, stream.Shards), grains, Options.Create(streams.OptionsOf(stream)), logger),
        StringComparer.Ordinal);

    public StreamStager Of(StreamSchema stream) => stream.Name == ClickStream.Name ? clicks : _declared[stream.Name];
}
