using System.Diagnostics.Metrics;
using ClickOrleans.Sinks;
using ClickOrleans.Sinks.Parquet;
using ClickOrleans.Sinks.Sqlite;
using ClickOrleans.Streams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>The Parquet archive and its compaction on their own, over a lake of a test's own.</summary>
public static class TestArchive
{
    /// <summary>Clicks with the embedded store and the archive as sinks.</summary>
    public static StreamCatalog Clicks(params (string Key, string Value)[] more) => StreamCatalog.From(
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Streams:clicks:Sinks:0"] = StreamSinks.Sqlite,
            ["Streams:clicks:Sinks:1"] = StreamSinks.Parquet,
        }.Concat(more.Select(pair => KeyValuePair.Create(pair.Key, (string?)pair.Value)))).Build(),
        new ClickOptions());

    public static ParquetArchive Create(ParquetSinkOptions options, StreamCatalog? streams = null, TimeProvider? time = null)
    {
        streams ??= Clicks();
        return new ParquetArchive(
            Options.Create(options),
            streams,
            new SchemaVersions(streams, new SqliteSinkQueries(Options.Create(new SqliteSinkOptions { Path = Path.Combine(options.Directory, "unused.db") }))),
            time ?? TimeProvider.System);
    }

    /// <param name="meters">Where its metrics go; by default nowhere a test looks.</param>
    public static ArchiveCompaction Compaction(ParquetArchive archive, ParquetSinkOptions options, TimeProvider? time = null, IMeterFactory? meters = null) =>
        new(archive, Options.Create(options), new ArchiveTelemetry(meters ?? new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>()),
            time ?? TimeProvider.System, NullLogger<ArchiveCompaction>.Instance);
}
