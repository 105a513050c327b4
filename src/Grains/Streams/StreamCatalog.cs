using ClickOrleans.Staging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Streams;

/// <summary>Every stream this deployment runs, by name: the built-in <c>clicks</c> stream and those declared in <c>Streams</c>.</summary>
public sealed class StreamCatalog
{
    /// <summary>The configuration section streams are declared in, one entry per stream name.</summary>
    public const string Section = "Streams";

    private readonly ClickOptions _clicks;
    private readonly Dictionary<string, EventRules> _rules;
    private readonly Dictionary<string, ClickOptions> _options;
    private readonly Dictionary<string, StreamSchema> _byShardKey;

    /// <param name="clicks">The <c>Clicks</c> section.</param>
    /// <param name="declared">The streams declared in <c>Streams</c>.</param>
    /// <param name="extendedClicks">The built-in clicks stream with what <c>Streams:clicks</c> adds to it; null: as built in.</param>
    public StreamCatalog(ClickOptions clicks, IReadOnlyList<StreamSchema> declared, StreamSchema? extendedClicks = null)
    {
        _clicks = clicks;
        Declared = declared;
        Streams = [extendedClicks ?? ClickStream.Schema(clicks), .. declared];
        _rules = Streams.ToDictionary(stream => stream.Name, stream => new EventRules(stream), StringComparer.Ordinal);
        _options = declared.ToDictionary(stream => stream.Name, stream => clicks.With(stream.Drain), StringComparer.Ordinal);
        _byShardKey = declared
            .SelectMany(stream => Enumerable.Range(0, stream.Shards).Select(shard => (Key: StagingStream.ShardKey(stream.StagingKey, shard), Stream: stream)))
            .ToDictionary(entry => entry.Key, entry => entry.Stream, StringComparer.Ordinal);
    }

    /// <summary>The built-in <c>clicks</c> stream: the one <c>/clicks</c>, <c>/stats</c>, <c>/admin/drain</c> and <c>/admin/dead-letters</c> address.</summary>
    public StreamSchema Clicks => Streams[0];

    /// <summary>The streams declared in <c>Streams</c>, by name.</summary>
    public IReadOnlyList<StreamSchema> Declared { get; }

    /// <summary>Every stream, clicks first: made once, as every request's <see cref="Find"/> reads it.</summary>
    public IReadOnlyList<StreamSchema> Streams { get; }

    /// <summary>The stream of that name (exactly that case), or null.</summary>
    public StreamSchema? Find(string name) => Streams.FirstOrDefault(stream => string.Equals(stream.Name, name, StringComparison.Ordinal));

    /// <summary>A stream's rules, compiled once.</summary>
    public EventRules RulesOf(StreamSchema stream) => _rules[stream.Name];

    /// <summary>The settings a stream is staged and drained by: the <c>Clicks</c> section's, with the stream's own drain settings.</summary>
    public ClickOptions OptionsOf(StreamSchema stream) => _options.GetValueOrDefault(stream.Name, _clicks);

    /// <summary>The stream a staging list belongs to: the declared stream it is a shard of; otherwise the clicks stream.</summary>
    public StreamSchema OfStagingKey(string shardKey) => _byShardKey.GetValueOrDefault(shardKey, Clicks);

    /// <summary>The streams of this configuration: the built-in one from <c>Clicks</c>, the declared ones from <c>Streams</c>.</summary>
    /// <exception cref="OptionsValidationException">A declaration is wrong: every failure names its setting.</exception>
    public static StreamCatalog From(IConfiguration configuration, ClickOptions clicks)
    {
        var failures = new List<string>();
        var (extended, declared) = StreamDeclarations.Read(configuration, clicks, failures);
        return failures.Count > 0 ? throw new OptionsValidationException(Section, typeof(StreamCatalog), failures) : new StreamCatalog(clicks, declared, extended);
    }
}
