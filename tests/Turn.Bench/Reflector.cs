using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Turn.Bench;

/// <summary>
/// The cheapest possible Binding "server": one UDP socket, recvmmsg/sendmmsg batches, each request turned
/// into a success response carrying XOR-MAPPED-ADDRESS (IPv4) in place. scripts/bench runs it in the
/// server's seat to measure the load generator's own ceiling. Not a STUN implementation.
/// </summary>
internal static unsafe class Reflector
{
    private const int Slot = 2048;
    private const int NameSize = 128; // sockaddr_storage

    public static int Run(IPEndPoint listen, int batch)
    {
        using var sock = new Socket(listen.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            sock.ReceiveBufferSize = 1 << 20;
            sock.SendBufferSize = 1 << 20;
        }
        catch (SocketException)
        {
        }
        sock.Bind(listen);
        int fd = (int)sock.Handle;
        int ep = Native.EpollCreate1(0);
        Native.EpollAdd(ep, fd, 0);
        Console.Out.WriteLine($"reflector listening on {sock.LocalEndPoint}");
        Console.Out.Flush();

        byte* buf = (byte*)NativeMemory.AllocZeroed((nuint)(batch * Slot));
        byte* names = (byte*)NativeMemory.AllocZeroed((nuint)(batch * NameSize));
        var iov = (Native.IoVec*)NativeMemory.AllocZeroed((nuint)(batch * sizeof(Native.IoVec)));
        var msgs = (Native.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(batch * sizeof(Native.MMsgHdr)));
        var outIov = (Native.IoVec*)NativeMemory.AllocZeroed((nuint)(batch * sizeof(Native.IoVec)));
        var outMsgs = (Native.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(batch * sizeof(Native.MMsgHdr)));
        byte* events = stackalloc byte[16];

        while (true)
        {
            if (Native.EpollWait(ep, events, 1, 1000) <= 0) continue;
            for (int i = 0; i < batch; i++)
            {
                iov[i].Base = buf + (i * Slot);
                iov[i].Length = Slot;
                msgs[i].Header.Iov = &iov[i];
                msgs[i].Header.IovLength = 1;
                msgs[i].Header.Name = names + (i * NameSize);
                msgs[i].Header.NameLength = NameSize;
            }
            int r = Native.RecvMMsg(fd, msgs, (uint)batch, Native.MSG_DONTWAIT, null);
            if (r <= 0) continue;
            int n = 0;
            for (int i = 0; i < r; i++)
            {
                var p = new Span<byte>(buf + (i * Slot), Slot);
                int len = (int)msgs[i].Length;
                byte* name = names + (i * NameSize);
                if (len < StunWire.HeaderLength || BinaryPrimitives.ReadUInt16BigEndian(p) != StunWire.BindingRequest) continue;
                if (BinaryPrimitives.ReadUInt32BigEndian(p[4..]) != StunWire.MagicCookie) continue;
                if (*(ushort*)name != (ushort)AddressFamily.InterNetwork) continue;
                BinaryPrimitives.WriteUInt16BigEndian(p, StunWire.BindingSuccess);
                BinaryPrimitives.WriteUInt16BigEndian(p[2..], 12);
                // XOR-MAPPED-ADDRESS: sockaddr_in has port and address in network order already.
                BinaryPrimitives.WriteUInt16BigEndian(p[20..], 0x0020);
                BinaryPrimitives.WriteUInt16BigEndian(p[22..], 8);
                p[24] = 0;
                p[25] = 1;
                ushort port = BinaryPrimitives.ReverseEndianness(*(ushort*)(name + 2));
                uint addr = BinaryPrimitives.ReverseEndianness(*(uint*)(name + 4));
                BinaryPrimitives.WriteUInt16BigEndian(p[26..], (ushort)(port ^ (StunWire.MagicCookie >> 16)));
                BinaryPrimitives.WriteUInt32BigEndian(p[28..], addr ^ StunWire.MagicCookie);
                outIov[n].Base = buf + (i * Slot);
                outIov[n].Length = 32;
                outMsgs[n].Header.Iov = &outIov[n];
                outMsgs[n].Header.IovLength = 1;
                outMsgs[n].Header.Name = name;
                outMsgs[n].Header.NameLength = msgs[i].Header.NameLength;
                n++;
            }
            int off = 0;
            while (off < n)
            {
                int k = Native.SendMMsg(fd, outMsgs + off, (uint)(n - off), Native.MSG_DONTWAIT);
                if (k <= 0)
                {
                    if (k < 0 && Marshal.GetLastPInvokeError() == Native.EINTR) continue;
                    break; // drop the rest, like a real server would under pressure
                }
                off += k;
            }
        }
    }
}
