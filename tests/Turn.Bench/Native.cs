using System.Runtime.InteropServices;

namespace Turn.Bench;

/// <summary>
/// The few Linux syscalls the generator needs to stay allocation-free and batch its I/O:
/// epoll for readiness over N sockets, recvmmsg/sendmmsg to move up to a batch of datagrams per call.
/// Layouts are those of glibc on LP64 (x86_64, aarch64).
/// </summary>
internal static unsafe partial class Native
{
    private const string Libc = "libc.so.6";

    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EIO = 5;
    public const int EINVAL = 22;
    public const int ENOPROTOOPT = 92;
    public const int EOPNOTSUPP = 95;
    public const int ECONNREFUSED = 111;

    public const int MSG_DONTWAIT = 0x40;
    public const int EPOLL_CTL_ADD = 1;
    public const uint EPOLLIN = 0x001;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [LibraryImport(Libc, EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMMsg(int fd, MMsgHdr* msgs, uint vlen, int flags, void* timeout);

    [LibraryImport(Libc, EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMMsg(int fd, MMsgHdr* msgs, uint vlen, int flags);

    [LibraryImport(Libc, EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint SendMsg(int fd, MsgHdr* msg, int flags);

    public const int SOL_UDP = 17;
    public const int UDP_SEGMENT = 103;

    /// <summary>struct cmsghdr on LP64: size_t len; int level; int type; then data, 8-byte aligned.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct CMsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    /// <summary>CMSG_LEN(2) and CMSG_SPACE(2) for a UDP_SEGMENT (uint16) control message.</summary>
    public static readonly int GsoCmsgLength = sizeof(CMsgHdr) + sizeof(ushort);
    public static readonly int GsoCmsgSpace = sizeof(CMsgHdr) + 8;

    [LibraryImport(Libc, EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, void* buf, nuint len, int flags);

    [LibraryImport(Libc, EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(int fd, void* buf, nuint len, int flags);

    [LibraryImport(Libc, EntryPoint = "sendto", SetLastError = true)]
    public static partial nint SendTo(int fd, void* buf, nuint len, int flags, void* addr, uint addrLen);

    /// <summary>struct sockaddr_in: family (host order), port and address (network order), 8 bytes of zero.</summary>
    public const int SockAddrInSize = 16;

    /// <summary>Writes a sockaddr_in for an IPv4 endpoint.</summary>
    public static void WriteSockAddrIn(byte* dest, System.Net.IPEndPoint ep)
    {
        new Span<byte>(dest, SockAddrInSize).Clear();
        *(ushort*)dest = 2; // AF_INET
        dest[2] = (byte)(ep.Port >> 8);
        dest[3] = (byte)ep.Port;
        ep.Address.TryWriteBytes(new Span<byte>(dest + 4, 4), out _);
    }

    [LibraryImport(Libc, EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport(Libc, EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, byte* ev);

    [LibraryImport(Libc, EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeoutMs);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>struct epoll_event is packed (12 bytes) on x86_64 and naturally aligned (16) elsewhere.</summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    public static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    public static void EpollAdd(int epfd, int fd, ulong data)
    {
        byte* ev = stackalloc byte[16];
        new Span<byte>(ev, 16).Clear();
        *(uint*)ev = EPOLLIN;
        *(ulong*)(ev + EpollDataOffset) = data;
        if (EpollCtl(epfd, EPOLL_CTL_ADD, fd, ev) != 0)
            throw new InvalidOperationException($"epoll_ctl(ADD, {fd}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public static ulong EpollData(byte* events, int i) => *(ulong*)(events + (i * EpollEventSize) + EpollDataOffset);
}
