using System.ComponentModel;
using System.Runtime.InteropServices;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>
/// Sends POSIX signals with kill(2) itself: the runtime has no API to send SIGINT, and a machine with only the .NET SDK
/// has no <c>kill</c> program to start.
/// </summary>
internal static class Signals
{
    private const int SigInt = 2;

    /// <summary>Ctrl+C for the process <paramref name="pid"/>.</summary>
    public static void Interrupt(int pid)
    {
        if (Kill(pid, SigInt) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"kill({pid}, SIGINT) failed");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}
