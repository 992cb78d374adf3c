using System.Runtime.InteropServices;

namespace Turn.Server.Transports.Native;

/// <summary>
/// The system calls of TCP relays (RFC 6062): peer sockets are plain non-blocking descriptors owned
/// by a worker, connected from (or accepted on) a relay's address, and never seen by .NET's socket engine.
/// </summary>
internal static unsafe partial class Libc
{
    public const int SOCK_STREAM = 1;
    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1;
    public const int SO_REUSEADDR = 2;
    public const int SO_ERROR = 4;
    public const int SO_REUSEPORT = 15;
    public const int IPPROTO_TCP = 6;
    public const int TCP_NODELAY = 1;
    public const int IPV6_V6ONLY = 26;
    public const int EINPROGRESS = 115;
    public const int ECONNABORTED = 103;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int bind(int fd, byte* addr, uint addrlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int connect(int fd, byte* addr, uint addrlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int accept4(int fd, byte* addr, uint* addrlen, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getsockopt(int fd, int level, int optname, void* optval, uint* optlen);
}
