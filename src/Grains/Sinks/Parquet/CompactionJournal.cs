namespace ClickOrleans.Sinks.Parquet;

/// <summary>
/// What a compaction of an hour commits to, written before it touches a committed file: the merged file (in the hour's
/// directory, flushed to disk under its temporary name) and the files it replaces. Rolled forward — the merged file
/// renamed, the files it replaces deleted — by the compaction itself, or, after a crash, by the next pass over the hour.
/// </summary>
internal sealed record CompactionJournal(string Output, string[] Inputs)
{
    public static Task<CompactionJournal?> ReadAsync(string path, CancellationToken cancellationToken) =>
        DurableDirectory.ReadFileAsync(path, ArchiveJsonContext.Default.CompactionJournal, cancellationToken);

    public Task WriteAsync(string path, CancellationToken cancellationToken) =>
        DurableDirectory.WriteFileAsync(path, this, ArchiveJsonContext.Default.CompactionJournal, cancellationToken);

    /// <summary>Renames the merged file into place and deletes the files it replaces; does both durably, and again harmlessly.</summary>
    public void RollForward(string hour)
    {
        var output = Path.Combine(hour, Output);
        if (File.Exists(output + ParquetArchive.Temporary))
        {
            File.Move(output + ParquetArchive.Temporary, output);
        }

        // The merged file holds the inputs' rows: without it, they are the only copy.
        if (!File.Exists(output))
        {
            throw new InvalidDataException($"The compaction journal of '{hour}' names '{Output}', which is missing: its inputs are kept.");
        }

        DurableDirectory.Sync(hour);
        foreach (var input in Inputs)
        {
            File.Delete(Path.Combine(hour, input));
        }

        DurableDirectory.Sync(hour);
    }
}
