using System.Runtime.InteropServices;

namespace Turn.Utils.Uclient.Native;

/// <summary>
/// The Linux calls of the data phase: epoll for readiness over the client sockets on one thread, recvmmsg/sendmmsg
/// to move batches of datagrams per system call. .NET's Socket creates, binds and connects the sockets (and runs the
/// TURN control transactions synchronously, so .NET never registers them with its own event loop); these calls only
/// move bytes. Layouts are those of 64-bit Linux (glibc). Adapted from src/Turn.Server.Transports/Native/Libc.cs.
/// </summary>
internal static unsafe partial class Libc
{
    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const uint EPOLLIN = 0x001;

    public const int MSG_DONTWAIT = 0x40;
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int ENOBUFS = 105;

    public const int SOL_SOCKET = 1;
    public const int SOL_UDP = 17;
    public const int UDP_SEGMENT = 103;
    public const int SO_BINDTODEVICE = 25;
    public const int SO_SNDBUFFORCE = 32;
    public const int SO_RCVBUFFORCE = 33;

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

    /// <summary>sendmsg: <paramref name="msg"/> points at a struct msghdr (the head of an <see cref="MMsgHdr"/>).</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial nint sendmsg(int fd, MMsgHdr* msg, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int optname, void* optval, uint optlen);

    /// <summary>struct epoll_event is packed (12 bytes, data at offset 4) on x86_64 and naturally aligned (16 bytes, data at 8) elsewhere.</summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>True on 64-bit Linux, where the layouts above hold.</summary>
    public static bool Usable => OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    /// <summary>An epoll_event as raw bytes, big enough for either layout.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 16)]
    public struct EpollEvent
    {
        public uint Events;
    }

    public static void SetEpollData(EpollEvent* ev, ulong data) => *(ulong*)((byte*)ev + EpollDataOffset) = data;

    /// <summary>Reads the data word of event <paramref name="index"/> of an epoll_wait result buffer.</summary>
    public static ulong ReadEpollData(byte* events, int index) => *(ulong*)(events + (index * EpollEventSize) + EpollDataOffset);

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
