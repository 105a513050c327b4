using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClickOrleans.Sinks.Parquet;

/// <summary>
/// The archive's progress marks of one private list, in one small JSON file replaced by rename (so a crash leaves the
/// old marks or the new ones, never a mix): per partition the position below which its events are archived, whether the
/// list is complete, and the data files the last write committed, which may still bear their temporary name.
/// </summary>
internal sealed record ArchiveMarks(Dictionary<int, long> Partitions, long? CompletedAtMs, string[] Pending)
{
    public static ArchiveMarks Empty { get; } = new([], null, []);

    public static async Task<ArchiveMarks> ReadAsync(string path, CancellationToken cancellationToken) =>
        await DurableDirectory.ReadFileAsync(path, ArchiveJsonContext.Default.ArchiveMarks, cancellationToken) ?? Empty;

    /// <summary>Replaces the marks file whole (<see cref="DurableDirectory.ReplaceFileAsync"/>).</summary>
    public Task WriteAsync(string path, CancellationToken cancellationToken) =>
        DurableDirectory.WriteFileAsync(path, this, ArchiveJsonContext.Default.ArchiveMarks, cancellationToken);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ArchiveMarks))]
[JsonSerializable(typeof(CompactionJournal))]
[JsonSerializable(typeof(BackfillStatus))]
internal sealed partial class ArchiveJsonContext : JsonSerializerContext;
