using System.ComponentModel;
using System.Runtime.InteropServices;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>
/// Sends POSIX signals with kill(2) itself: the runtime has no API to send SIGINT or SIGSTOP, and a machine with only
/// the .NET SDK has no <c>kill</c> program to start.
/// </summary>
internal static class Signals
{
    private const int SigInt = 2;
    private const int SigCont = 18;
    private const int SigStop = 19;

    /// <summary>Ctrl+C for the process <paramref name="pid"/>.</summary>
    public static void Interrupt(int pid) => Send(pid, SigInt, nameof(SigInt));

    /// <summary>SIGSTOP: the process is frozen, its sockets stay open, until <see cref="Continue"/>.</summary>
    public static void Stop(int pid) => Send(pid, SigStop, nameof(SigStop));

    public static void Continue(int pid) => Send(pid, SigCont, nameof(SigCont));

    private static void Send(int pid, int signal, string name)
    {
        if (Kill(pid, signal) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"kill({pid}, {name}) failed");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}
