namespace ClickOrleans.Api.Hosting;

/// <summary>How the Api notices edits of its settings files.</summary>
internal static class SettingsFileWatch
{
    private const string UsePolling = "DOTNET_USE_POLLING_FILE_WATCHER";

    /// <summary>
    /// Unless the variable says otherwise, settings files are polled (every 4 s) instead of watched with inotify on the
    /// whole content root: in embedded mode the stores write under it (<c>data/</c>), and every write became an event
    /// for the watcher thread to stat — 2.2–2.9 CPU-s per million clicks drained into SQLite (bench/results.md).
    /// Call before the host builder reads its settings.
    /// </summary>
    public static void PollUnlessConfigured()
    {
        if (Environment.GetEnvironmentVariable(UsePolling) is null)
        {
            Environment.SetEnvironmentVariable(UsePolling, "true");
        }
    }
}
