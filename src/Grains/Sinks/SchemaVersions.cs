using System.Collections.Concurrent;
using ClickOrleans.Queries;
using ClickOrleans.Streams;

namespace ClickOrleans.Sinks;

/// <summary>
/// The rules of each schema version of each stream, compiled once: the declaration's own, and those of the versions
/// private lists were taken over under, as the sink recorded them (<c>stream_schemas</c>), so that a list is drained by
/// the rules it was taken over with, whichever declaration the silo that finishes it runs.
/// </summary>
public sealed class SchemaVersions(StreamCatalog streams, ISinkQueries sink)
{
    private readonly ConcurrentDictionary<(string Stream, string Version), EventRules> _recorded = new();

    /// <summary>The rules of a stream's schema version; the current declaration's for <paramref name="version"/> null (a list an older release took over).</summary>
    /// <exception cref="InvalidOperationException">The sink holds no record of that version: nothing can judge the list's elements safely, so it waits.</exception>
    public async ValueTask<EventRules> RulesAsync(string stream, string? version, CancellationToken cancellationToken)
    {
        var schema = streams.Find(stream) ?? throw new InvalidOperationException($"This silo runs no stream '{stream}'.");
        var current = streams.RulesOf(schema);
        if (version is null || version == current.Version)
        {
            return current;
        }

        if (_recorded.TryGetValue((stream, version), out var recorded))
        {
            return recorded;
        }

        var definition = await sink.DefinitionAsync(stream, version, cancellationToken)
            ?? throw new InvalidOperationException(
                $"A private list of stream '{stream}' was taken over under schema version {version}, which the sink has no record of (stream_schemas); it waits until a silo that knows it drains it.");
        return _recorded.GetOrAdd((stream, version), new EventRules(SchemaVersion.ToSchema(definition, schema)));
    }
}
