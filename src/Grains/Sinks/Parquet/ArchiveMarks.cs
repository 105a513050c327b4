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

    public static async Task<ArchiveMarks> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return Empty;
        }

        await using var file = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync(file, ArchiveJsonContext.Default.ArchiveMarks, cancellationToken)
            ?? throw new InvalidDataException($"The archive's marks '{path}' are empty.");
    }

    /// <summary>Replaces the marks file whole (<see cref="DurableDirectory.ReplaceFileAsync"/>).</summary>
    public Task WriteAsync(string path, CancellationToken cancellationToken) =>
        DurableDirectory.ReplaceFileAsync(path, (file, token) => JsonSerializer.SerializeAsync(file, this, ArchiveJsonContext.Default.ArchiveMarks, token), cancellationToken);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ArchiveMarks))]
[JsonSerializable(typeof(CompactionJournal))]
internal sealed partial class ArchiveJsonContext : JsonSerializerContext;
