using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClickOrleans.Sinks.Parquet;

/// <summary>
/// The archive's progress marks of one private list, in one small JSON file replaced by rename (so a crash leaves the
/// old marks or the new ones, never a mix): per partition the position below which its events are archived, whether the
/// list is complete, the data files the last write committed, which may still bear their temporary name, and the
/// list's ledger entries, committed with the marks they moved.
/// </summary>
internal sealed record ArchiveMarks(Dictionary<int, long> Partitions, long? CompletedAtMs, string[] Pending)
{
    public static ArchiveMarks Empty { get; } = new([], null, []);

    /// <summary>The private list's name, for its ledger entries (the file is named by a key of it); null in marks written before the ledger.</summary>
    public string? PrivateList { get; init; }

    /// <summary>The writes of the list the archive committed, until the list completes and they move to the stream's ledger (<see cref="ArchiveLedger"/>).</summary>
    public ArchiveCommit[] Ledger { get; init; } = [];

    public static async Task<ArchiveMarks> ReadAsync(string path, CancellationToken cancellationToken) =>
        await DurableDirectory.ReadFileAsync(path, ArchiveJsonContext.Default.ArchiveMarks, cancellationToken) ?? Empty;

    /// <summary>Replaces the marks file whole (<see cref="DurableDirectory.ReplaceFileAsync"/>).</summary>
    public Task WriteAsync(string path, CancellationToken cancellationToken) =>
        DurableDirectory.WriteFileAsync(path, this, ArchiveJsonContext.Default.ArchiveMarks, cancellationToken);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ArchiveMarks))]
[JsonSerializable(typeof(ArchiveLedgerFile))]
[JsonSerializable(typeof(CompactionJournal))]
[JsonSerializable(typeof(BackfillStatus))]
internal sealed partial class ArchiveJsonContext : JsonSerializerContext;
