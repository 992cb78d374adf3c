using System.Runtime.InteropServices;

namespace Turn.Utils.Peer.Native;

/// <summary>
/// The Linux calls the echo loop makes directly: recvmmsg/sendmmsg move a batch of datagrams per system call.
/// .NET's Socket creates and binds the sockets; these calls only move bytes. Layouts are those of 64-bit Linux
/// (glibc, x86_64 and arm64). Adapted from src/Turn.Server.Transports/Native/Libc.cs.
/// </summary>
internal static unsafe partial class Libc
{
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_WAITFORONE = 0x10000;
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int ENOBUFS = 105;
    public const int SOL_UDP = 17;
    public const int UDP_SEGMENT = 103;
    public const int SOL_SOCKET = 1;
    public const int SO_BINDTODEVICE = 25;
    public const int SO_SNDBUFFORCE = 32;
    public const int SO_RCVBUFFORCE = 33;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int recvmmsg(int fd, MMsgHdr* msgvec, uint vlen, int flags, void* timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int sendmmsg(int fd, MMsgHdr* msgvec, uint vlen, int flags);

    /// <summary>sendmsg: <paramref name="msg"/> points at a struct msghdr (the head of an <see cref="MMsgHdr"/>).</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial nint sendmsg(int fd, MMsgHdr* msg, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int optname, void* optval, uint optlen);

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

    /// <summary>True on 64-bit Linux, where the layouts above hold.</summary>
    public static bool Usable => OperatingSystem.IsLinux() && Environment.Is64BitProcess;
}
