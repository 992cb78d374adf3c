using System.Runtime.InteropServices;

namespace Turn.Daemon;

/// <summary>The few libc calls the daemon itself makes (the relay's socket calls live in Turn.Server.Transports).</summary>
internal static partial class NativeMethods
{
    [LibraryImport("libc", SetLastError = false)]
    internal static partial uint geteuid();

    [LibraryImport("libc", SetLastError = false)]
    internal static partial uint getegid();

    // glibc's set*id wrappers change every thread of the process (they signal the others), which a direct
    // syscall would not: the relay threads must lose root too.
    [LibraryImport("libc", SetLastError = true)]
    internal static partial int setuid(uint uid);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int setgid(uint gid);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int setgroups(nuint size, IntPtr list);

    /// <summary>struct passwd*, or null; valid until the next call (start-up only, one thread).</summary>
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr getpwnam(string name);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial IntPtr getpwuid(uint uid);

    /// <summary>struct group*, or null.</summary>
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr getgrnam(string name);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial IntPtr getgrgid(uint gid);
}
