using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Turn.Protocol;

namespace Turn.Bench;

/// <summary>
/// The cheapest possible TURN "server" over UDP, run in the server's seat by scripts/bench to measure the relay
/// benchmark's own ceiling: one thread, one listening socket, one relay socket per allocation, recvmmsg batches.
/// It answers a credential-less Allocate with 401 (REALM, NONCE) and any Allocate carrying MESSAGE-INTEGRITY
/// with success without checking it (the client's message flow is the real one, the server's work is not);
/// ChannelBind records the peer; Refresh with LIFETIME 0 closes the relay; Binding is answered (readiness
/// probe). ChannelData is relayed with no permission or rate checks. Not a TURN implementation.
/// </summary>
internal static unsafe class RelayReflector
{
    private const int Slot = 2048;
    private const int Headroom = 4;
    private const int NameSize = 16; // sockaddr_in
    private const string Realm = "bench.example";
    private const string Nonce = "0123456789abcdef";

    private sealed class Alloc
    {
        public required Socket Relay;
        public required int Fd;
        public required StunAddress Relayed;
        public readonly byte[] ClientName = new byte[NameSize];
        public readonly byte[] PeerName = new byte[NameSize];
        public ushort Channel;
    }

    public static int Run(IPEndPoint listen, int batch)
    {
        using var sock = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            sock.ReceiveBufferSize = 4 << 20;
            sock.SendBufferSize = 4 << 20;
        }
        catch (SocketException)
        {
        }
        sock.Bind(listen);
        int lfd = (int)sock.Handle;
        int ep = Native.EpollCreate1(0);
        Native.EpollAdd(ep, lfd, 0);
        Console.Out.WriteLine($"relay reflector listening on {sock.LocalEndPoint}");
        Console.Out.Flush();

        var allocs = new List<Alloc?>();
        var byClient = new Dictionary<ulong, int>();
        var freeIds = new Stack<int>();
        byte* buf = (byte*)NativeMemory.AllocZeroed((nuint)(batch * Slot));
        byte* names = (byte*)NativeMemory.AllocZeroed((nuint)(batch * NameSize));
        var iov = (Native.IoVec*)NativeMemory.AllocZeroed((nuint)(batch * sizeof(Native.IoVec)));
        var msgs = (Native.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(batch * sizeof(Native.MMsgHdr)));
        const int MaxEvents = 256;
        byte* events = (byte*)NativeMemory.AllocZeroed((nuint)(MaxEvents * Native.EpollEventSize));
        byte[] reply = new byte[512];

        while (true)
        {
            int ready = Native.EpollWait(ep, events, MaxEvents, 1000);
            for (int e = 0; e < ready; e++)
            {
                int id = (int)Native.EpollData(events, e);
                bool listener = id == 0;
                int fd = listener ? lfd : allocs[id - 1] is { } a0 ? a0.Fd : -1;
                if (fd < 0) continue;
                for (int round = 0; round < 8; round++)
                {
                    for (int i = 0; i < batch; i++)
                    {
                        iov[i].Base = buf + (i * Slot) + Headroom;
                        iov[i].Length = Slot - Headroom;
                        msgs[i].Header.Iov = &iov[i];
                        msgs[i].Header.IovLength = 1;
                        msgs[i].Header.Name = names + (i * NameSize);
                        msgs[i].Header.NameLength = NameSize;
                    }
                    int r = Native.RecvMMsg(fd, msgs, (uint)batch, Native.MSG_DONTWAIT, null);
                    if (r <= 0) break;
                    if (listener)
                    {
                        for (int i = 0; i < r; i++)
                        {
                            byte* p = buf + (i * Slot) + Headroom;
                            int len = (int)msgs[i].Length;
                            byte* name = names + (i * NameSize);
                            ulong key = Key(name);
                            if (len >= 4 && (p[0] & 0xC0) == 0x40)
                            {
                                if (byClient.TryGetValue(key, out int aid) && allocs[aid] is { Channel: not 0 } a)
                                {
                                    fixed (byte* peer = a.PeerName)
                                    {
                                        Native.SendTo(a.Fd, p + 4, (nuint)(len - 4), Native.MSG_DONTWAIT, peer, NameSize);
                                    }
                                }
                                continue;
                            }
                            int n = Control(new ReadOnlySpan<byte>(p, len), name, key, reply, allocs, byClient, freeIds, ep, sock);
                            if (n > 0)
                            {
                                fixed (byte* q = reply)
                                {
                                    Native.SendTo(lfd, q, (nuint)n, Native.MSG_DONTWAIT, name, NameSize);
                                }
                            }
                        }
                    }
                    else
                    {
                        Alloc a = allocs[id - 1]!;
                        fixed (byte* client = a.ClientName)
                        {
                            for (int i = 0; i < r; i++)
                            {
                                byte* p = buf + (i * Slot);
                                BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(p, 2), a.Channel);
                                BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(p + 2, 2), (ushort)msgs[i].Length);
                                iov[i].Base = p;
                                iov[i].Length = msgs[i].Length + Headroom;
                                msgs[i].Header.Name = client;
                                msgs[i].Header.NameLength = NameSize;
                            }
                            int off = 0;
                            while (off < r)
                            {
                                int k = Native.SendMMsg(lfd, msgs + off, (uint)(r - off), Native.MSG_DONTWAIT);
                                if (k <= 0) break;
                                off += k;
                            }
                        }
                    }
                    if (r < batch) break;
                }
            }
        }
    }

    private static ulong Key(byte* name) => ((ulong)*(uint*)(name + 4) << 16) | *(ushort*)(name + 2);

    private static StunAddress FromName(byte* name) =>
        StunAddress.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(name + 4, 4)), BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(name + 2, 2)));

    private static int Control(ReadOnlySpan<byte> packet, byte* name, ulong key, byte[] reply, List<Alloc?> allocs,
        Dictionary<ulong, int> byClient, Stack<int> freeIds, int ep, Socket listener)
    {
        if (StunMessage.TryParse(packet, out StunMessage msg) != StunParseStatus.Ok || !msg.IsRequest) return 0;
        var w = new StunMessageWriter(reply);
        StunAddress client = FromName(name);
        byClient.TryGetValue(key, out int aid);
        Alloc? alloc = byClient.ContainsKey(key) ? allocs[aid] : null;
        switch (msg.Method)
        {
            case StunMethod.Binding:
                w.WriteHeader(StunMethod.Binding, StunClass.SuccessResponse, msg.TransactionId);
                w.AddXorAddress(StunAttributeType.XorMappedAddress, client);
                break;
            case StunMethod.Allocate when !msg.HasMessageIntegrity:
                w.WriteHeader(StunMethod.Allocate, StunClass.ErrorResponse, msg.TransactionId);
                w.AddErrorCode(401);
                w.AddRealm(Realm);
                w.AddNonce(Nonce);
                break;
            case StunMethod.Allocate:
                if (alloc is null)
                {
                    var relay = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                    relay.Bind(new IPEndPoint(((IPEndPoint)listener.LocalEndPoint!).Address, 0));
                    alloc = new Alloc { Relay = relay, Fd = (int)relay.Handle, Relayed = StunAddress.FromIPEndPoint((IPEndPoint)relay.LocalEndPoint!) };
                    new ReadOnlySpan<byte>(name, NameSize).CopyTo(alloc.ClientName);
                    if (freeIds.Count > 0)
                    {
                        aid = freeIds.Pop();
                        allocs[aid] = alloc;
                    }
                    else
                    {
                        aid = allocs.Count;
                        allocs.Add(alloc);
                    }
                    byClient[key] = aid;
                    Native.EpollAdd(ep, alloc.Fd, (ulong)(aid + 1));
                }
                w.WriteHeader(StunMethod.Allocate, StunClass.SuccessResponse, msg.TransactionId);
                w.AddXorAddress(StunAttributeType.XorRelayedAddress, alloc.Relayed);
                w.AddXorAddress(StunAttributeType.XorMappedAddress, client);
                w.AddLifetime(600);
                break;
            case StunMethod.ChannelBind when alloc is not null
                && msg.TryGetXorAddress(StunAttributeType.XorPeerAddress, out StunAddress peer) && peer.IsIPv4
                && msg.TryGetAttribute(StunAttributeType.ChannelNumber, out ReadOnlySpan<byte> ch) && ch.Length >= 2:
                alloc.Channel = BinaryPrimitives.ReadUInt16BigEndian(ch);
                alloc.PeerName.AsSpan().Clear();
                alloc.PeerName[0] = 2; // AF_INET, little-endian sa_family
                BinaryPrimitives.WriteUInt16BigEndian(alloc.PeerName.AsSpan(2), peer.Port);
                BinaryPrimitives.WriteUInt32BigEndian(alloc.PeerName.AsSpan(4), peer.IPv4Value);
                w.WriteHeader(StunMethod.ChannelBind, StunClass.SuccessResponse, msg.TransactionId);
                break;
            case StunMethod.Refresh when alloc is not null:
                if (msg.TryGetUInt32(StunAttributeType.Lifetime, out uint lifetime) && lifetime == 0)
                {
                    alloc.Relay.Dispose(); // close() also removes it from the epoll set
                    allocs[aid] = null;
                    byClient.Remove(key);
                    freeIds.Push(aid);
                }
                w.WriteHeader(StunMethod.Refresh, StunClass.SuccessResponse, msg.TransactionId);
                w.AddLifetime(lifetime);
                break;
            default:
                w.WriteHeader(msg.Method, StunClass.ErrorResponse, msg.TransactionId);
                w.AddErrorCode(alloc is null ? 437 : 400);
                break;
        }
        return w.Overflowed ? 0 : w.Length;
    }
}
