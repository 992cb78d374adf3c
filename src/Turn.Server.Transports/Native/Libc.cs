using System.Runtime.InteropServices;

namespace Turn.Server.Transports.Native;

/// <summary>
/// The few Linux system calls the UDP workers make directly: epoll for readiness over many
/// sockets on one thread, recvmmsg/sendmmsg to move batches of datagrams per system call, and
/// eventfd to wake a worker from another thread. .NET's Socket creates and binds the sockets;
/// these calls only move bytes, so .NET never registers the sockets with its own event loop.
/// Layouts are those of x86_64 and arm64 Linux (glibc).
/// </summary>
internal static unsafe partial class Libc
{
    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const int EPOLL_CTL_MOD = 3;
    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLRDHUP = 0x2000;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;

    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_NOSIGNAL = 0x4000;
    public const int EFD_NONBLOCK = 0x800;
    public const int EFD_CLOEXEC = 0x80000;

    public const int EAGAIN = 11;
    public const int EINTR = 4;

    public const ushort AF_INET = 2;
    public const ushort AF_INET6 = 10;

    public const int IPPROTO_IP = 0;
    public const int IPPROTO_IPV6 = 41;
    public const int IP_MTU_DISCOVER = 10;
    public const int IPV6_MTU_DISCOVER = 23;
    public const int IP_PMTUDISC_DONT = 0;
    public const int IP_PMTUDISC_DO = 2;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_wait(int epfd, byte* events, int maxevents, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int recvmmsg(int fd, MMsgHdr* msgvec, uint vlen, int flags, void* timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int sendmmsg(int fd, MMsgHdr* msgvec, uint vlen, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint sendto(int fd, byte* buf, nuint len, int flags, byte* addr, uint addrlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recv(int fd, byte* buf, nuint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint send(int fd, byte* buf, nuint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, void* buf, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, void* buf, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int optname, void* optval, uint optlen);

    /// <summary>struct epoll_event is packed (12 bytes, data at offset 4) on x86_64 and naturally aligned (16 bytes, data at 8) elsewhere.</summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>An epoll_event as raw bytes, big enough for either layout.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 16)]
    public struct EpollEvent
    {
        public uint Events;
    }

    public static void SetEpollData(EpollEvent* ev, ulong data) => *(ulong*)((byte*)ev + EpollDataOffset) = data;

    /// <summary>Reads event <paramref name="index"/> of an epoll_wait result buffer.</summary>
    public static void ReadEpollEvent(byte* events, int index, out uint flags, out ulong data)
    {
        byte* p = events + (index * EpollEventSize);
        flags = *(uint*)p;
        data = *(ulong*)(p + EpollDataOffset);
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr followed by msg_len: struct mmsghdr (64 bytes on 64-bit Linux).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    public struct MMsgHdr
    {
        [FieldOffset(0)]
        public byte* Name;
        [FieldOffset(8)]
        public uint NameLength;
        [FieldOffset(16)]
        public IoVec* Iov;
        [FieldOffset(24)]
        public nuint IovLength;
        [FieldOffset(32)]
        public void* Control;
        [FieldOffset(40)]
        public nuint ControlLength;
        [FieldOffset(48)]
        public int Flags;
        [FieldOffset(56)]
        public uint Length;
    }
}
