using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ClickOrleans.Sinks.Parquet;

/// <summary>
/// The lake's small files (marks, journals, a backfill's state), replaced whole, and renames in a directory made to
/// survive a power loss: fsync of the directory itself, which .NET has no API for (Linux; elsewhere a no-op, where the
/// archive is for development only).
/// </summary>
internal static partial class DurableDirectory
{
    private const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY

    /// <summary>
    /// Replaces a small file whole, so that a crash leaves the old content or the new, never a mix: writes a temporary
    /// file, flushes it to disk, renames it over <paramref name="path"/> and flushes the directory.
    /// </summary>
    public static async Task ReplaceFileAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp";
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            await write(file, cancellationToken);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        Sync(Path.GetDirectoryName(path)!);
    }

    /// <summary>Reads a small JSON file <see cref="ReplaceFileAsync"/> wrote; null when there is none.</summary>
    public static async Task<T?> ReadFileAsync<T>(string path, JsonTypeInfo<T> json, CancellationToken cancellationToken)
        where T : class
    {
        if (!File.Exists(path))
        {
            return null;
        }

        await using var file = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync(file, json, cancellationToken) ?? throw new InvalidDataException($"The file '{path}' is empty.");
    }

    /// <summary>Replaces a small JSON file whole (<see cref="ReplaceFileAsync"/>).</summary>
    public static Task WriteFileAsync<T>(string path, T value, JsonTypeInfo<T> json, CancellationToken cancellationToken) =>
        ReplaceFileAsync(path, (file, token) => JsonSerializer.SerializeAsync(file, value, json, token), cancellationToken);

    public static void Sync(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var descriptor = Open(directory, ReadOnlyDirectory);
        if (descriptor < 0)
        {
            throw new IOException($"Could not open the directory '{directory}' to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(descriptor) != 0)
            {
                throw new IOException($"Could not flush the directory '{directory}' (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}
