using System.Runtime.InteropServices;

namespace Turn.Daemon;

internal static partial class NativeMethods
{
    [LibraryImport("libc", SetLastError = false)]
    internal static partial uint geteuid();
}
