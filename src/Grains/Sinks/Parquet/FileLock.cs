namespace ClickOrleans.Sinks.Parquet;

/// <summary>
/// An exclusive lock on a file, held until disposed: a lock file of the lake, which silos sharing the lake's volume take
/// before a private list's write or an hour's compaction.
/// </summary>
internal static class FileLock
{
    /// <summary>Waits for the lock.</summary>
    public static async Task<FileStream> AcquireAsync(string path, CancellationToken cancellationToken)
    {
        for (var wait = 1; ; wait = Math.Min(wait * 2, 100))
        {
            if (TryAcquire(path) is { } held)
            {
                return held;
            }

            await Task.Delay(wait, cancellationToken);
        }
    }

    /// <summary>The lock, or null when another holds it.</summary>
    public static FileStream? TryAcquire(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
