using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Turn.Protocol;
using Turn.Server.Engine;
using Turn.Server.Transports.Native;
using Turn.Server.Transports.TcpRelay;
using Turn.Server.Transports.Tls;

namespace Turn.Server.Transports;

/// <summary>
/// The sockets of RFC 6062 TCP relays on a worker: relay listening sockets, peer data connections
/// (connected from or accepted on a relay's address) and, once bound, their client data connections.
/// The engine decides; this moves bytes. Each direction of a link holds at most
/// <see cref="TcpRelayLink.BufferBytes"/>: when that is full the worker stops reading the sender
/// (its epoll interest is dropped) until the receiver has taken some, so a fast sender is slowed by
/// TCP flow control and memory stays bounded. A ConnectionBind that reaches the wrong worker moves
/// its client connection (plain or TLS) to the worker that owns the allocation.
/// </summary>
public sealed unsafe partial class RelayWorker
{
    /// <summary>Bytes one direction of a TCP relay connection may hold in the worker (the back-pressure bound).</summary>
    public const int TcpRelayBufferBytes = TcpRelayLink.BufferBytes;

    // Epoll kinds 0x21-0x23 (RelayWorker.Run hands every kind from 0x21 on to OnTcpRelayEvent).
    private const ulong KindTcpRelayListener = 0x21UL << 32;
    private const ulong KindTcpPeer = 0x22UL << 32;
    private const ulong KindTcpDataClient = 0x23UL << 32;
    private const ulong KindMask = 0xFFFFUL << 32; // link events carry the link's generation in the top 16 bits
    private const int AcceptsPerEvent = 16;
    private const int TcpRelayDrainBudget = 512;

    private readonly ConcurrentQueue<TlsRawItem> _tlsRawInbox = new();
    private readonly Stack<int> _freeLinkIds = new();
    private IReadOnlyList<RelayWorker>? _group;
    private int _groupIndex;
    private TcpRelayLink?[] _links = new TcpRelayLink?[16];
    private int _nextLinkId;
    private int _linkCount;
    private long _tcpRelayHeldBytes;
    private byte[]? _peerScratch;
    private ushort _linkGeneration;

    /// <summary>Makes <paramref name="workers"/> one group: worker i has index i, and a ConnectionBind may move a connection between them.</summary>
    public static void FormGroup(IReadOnlyList<RelayWorker> workers)
    {
        for (int i = 0; i < workers.Count; i++)
        {
            workers[i]._group = workers;
            workers[i]._groupIndex = i;
        }
    }

    public int WorkerIndex => _groupIndex;

    /// <summary>TCP relay peer data connections this worker serves (read from other threads for statistics only).</summary>
    public int TcpRelayConnectionCount => Volatile.Read(ref _linkCount);

    /// <summary>Relayed bytes the worker holds for TCP relay connections right now (statistics; bounded per link and direction).</summary>
    public long TcpRelayBufferedBytes => Volatile.Read(ref _tcpRelayHeldBytes);

    // ---- IRelayIo ---------------------------------------------------------------------------

    public bool TryOpenTcpRelay(in StunAddress address, out int relayId, out SocketError error)
    {
        relayId = -1;
        var socket = new Socket(address.IsIPv4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.IsIPv6)
            {
                socket.DualMode = false;
            }

            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(address.ToIPEndPoint());

            // Only after the bind, which fails if anyone holds the port: connections to peers must leave
            // from this same address and port (RFC 6062 §5.2), which Linux allows beside a listening
            // socket only when both have SO_REUSEPORT.
            SocketOptions.EnableReusePort(socket);
            socket.Listen(64);
            socket.Blocking = false;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            error = e.SocketErrorCode;
            return false;
        }

        relayId = _freeRelayIds.Count > 0 ? _freeRelayIds.Pop() : _nextRelayId++;
        if (relayId >= _relays.Length)
        {
            Array.Resize(ref _relays, _relays.Length * 2);
            Array.Resize(ref _relayFds, _relayFds.Length * 2);
        }

        _relays[relayId] = socket;
        _relayFds[relayId] = (int)socket.Handle;
        Register(_relayFds[relayId], KindTcpRelayListener | (uint)relayId);
        error = SocketError.Success;
        return true;
    }

    public bool TryConnectTcpPeer(int relayId, in StunAddress peer, out int connection)
    {
        connection = -1;
        if ((uint)relayId >= (uint)_nextRelayId || _relays[relayId] is not { SocketType: SocketType.Stream } relay)
        {
            return false;
        }

        StunAddress local = StunAddress.FromIPEndPoint((IPEndPoint)relay.LocalEndPoint!);
        if (local.IsIPv4 != peer.IsIPv4)
        {
            return false;
        }

        int fd = Libc.socket(local.IsIPv4 ? Libc.AF_INET : Libc.AF_INET6, Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            _log.Warning($"TCP relay: no socket for a connection to {peer}: errno {Marshal.GetLastPInvokeError()}");
            return false;
        }

        byte* name = stackalloc byte[SockAddr.MaxLength];
        int on = 1;
        bool ok = Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, &on, sizeof(int)) == 0
            && Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, &on, sizeof(int)) == 0
            && (local.IsIPv4 || Libc.setsockopt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_V6ONLY, &on, sizeof(int)) == 0)
            && Libc.setsockopt(fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, &on, sizeof(int)) == 0
            && Libc.bind(fd, name, SockAddr.Write(local, name)) == 0;
        int errno = 0;
        if (ok && Libc.connect(fd, name, SockAddr.Write(peer, name)) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            ok = errno == Libc.EINPROGRESS;
        }
        else if (!ok)
        {
            errno = Marshal.GetLastPInvokeError();
        }

        if (!ok)
        {
            if (_log.IsDebugEnabled)
            {
                _log.Debug($"TCP relay: connection from {local} to {peer} not started: errno {errno}");
            }

            Libc.close(fd);
            return false;
        }

        TcpRelayLink? link = AddLink(fd, peer, connecting: true);
        if (link is null)
        {
            return false;
        }

        connection = link.Handle;
        return true;
    }

    public void CloseTcpPeer(int connection)
    {
        if (LinkAt(connection) is { } link)
        {
            CloseLink(null, link);
        }
    }

    public bool TryBindTcpClient(in PacketContext client, ReadOnlySpan<byte> request, int connection)
    {
        if (LinkAt(connection) is not { IsBound: false, Connecting: false } link)
        {
            return false;
        }

        int id = client.SocketId;
        if (client.Transport == TransportKind.Tcp)
        {
            if ((uint)id >= (uint)_nextConnectionId || _connections[id] is not { } c || c.Context.Client != client.Client)
            {
                return false;
            }

            // Whatever followed the ConnectionBind on the connection is the client's first data (§5.4).
            ReadOnlySpan<byte> unread = c.Unread;
            int from = unread.Overlaps(request, out int offset) ? offset + request.Length : 0;
            ReadOnlySpan<byte> rest = unread[from..];
            ReleaseTcpConnection(c);
            link.ClientSocket = c.Socket;
            link.ClientFd = c.Fd;
            link.ClientOnClosed = c.OnClosed;
            link.ClientEvents = uint.MaxValue; // re-registered under the link below
            link.ClientPrefix = PendingOutput(c);
            link.ToPeer = new RelayBuffer(Math.Max(TcpRelayLink.BufferBytes, rest.Length));
            link.ToPeer.Append(rest);
            if (FlushToClient(link) && FlushToPeer(link))
            {
                Settle(link);
            }

            return true;
        }

        if (client.Transport == TransportKind.Tls)
        {
            if ((uint)id >= (uint)_nextTlsId || _tls[id] is not { } t || t.Client != client.Client || !t.EnterRaw(link.Handle))
            {
                return false;
            }

            _tls[id] = null;
            _freeTlsIds.Push(id);
            Interlocked.Decrement(ref _tlsCount);
            link.Tls = t;
            link.ClientOnClosed = t.OnClosed;

            // What the peer sent before the bind goes first (the TLS output queue keeps the order).
            if (link.ToClient is { } early)
            {
                if (!early.IsEmpty)
                {
                    t.SendRaw(early.Waiting);
                }

                early.Release();
                link.ToClient = null;
            }

            Settle(link);
            return true;
        }

        return false;
    }

    // ---- events ---------------------------------------------------------------------------------

    private void OnTcpRelayEvent(TurnEngine engine, ulong data, int index, uint flags)
    {
        ulong kind = data & KindMask;
        if (kind == KindTcpRelayListener)
        {
            AcceptPeers(engine, index);
        }
        else if (LinkAt(index) is { } link && link.Generation == (ushort)(data >> 48))
        {
            if (kind == KindTcpPeer)
            {
                OnPeerEvent(engine, link, flags);
            }
            else if (kind == KindTcpDataClient)
            {
                OnClientEvent(link, flags);
            }
        }
    }

    /// <summary>RFC 6062 §5.3: peers connecting to a relay; the engine keeps or closes each.</summary>
    private void AcceptPeers(TurnEngine engine, int relayId)
    {
        byte* name = stackalloc byte[SockAddr.MaxLength];
        for (int i = 0; i < AcceptsPerEvent; i++)
        {
            if ((uint)relayId >= (uint)_nextRelayId || _relays[relayId] is not { SocketType: SocketType.Stream })
            {
                return; // closed meanwhile (the engine ended the allocation)
            }

            uint length = SockAddr.MaxLength;
            int fd = Libc.accept4(_relayFds[relayId], name, &length, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
            if (fd < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is Libc.EINTR or Libc.ECONNABORTED)
                {
                    continue;
                }

                if (errno != Libc.EAGAIN)
                {
                    _log.Warning($"TCP relay: accept failed: errno {errno}");
                }

                return;
            }

            if (!SockAddr.TryRead(name, length, out StunAddress peer))
            {
                Libc.close(fd);
                continue;
            }

            int on = 1;
            Libc.setsockopt(fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, &on, sizeof(int));
            if (AddLink(fd, peer, connecting: false) is { } link)
            {
                engine.OnTcpPeerAccepted(relayId, peer, link.Handle);
            }
        }
    }

    private void OnPeerEvent(TurnEngine engine, TcpRelayLink link, uint flags)
    {
        if (link.Connecting)
        {
            if ((flags & (Libc.EPOLLOUT | Libc.EPOLLERR | Libc.EPOLLHUP)) == 0)
            {
                return;
            }

            int error = 0;
            uint size = sizeof(int);
            if (Libc.getsockopt(link.PeerFd, Libc.SOL_SOCKET, Libc.SO_ERROR, &error, &size) != 0)
            {
                error = Marshal.GetLastPInvokeError();
            }

            link.Connecting = false;
            if (error != 0)
            {
                if (_log.IsDebugEnabled)
                {
                    _log.Debug($"TCP relay: connection to {link.Peer} failed: errno {error}");
                }

                engine.OnTcpPeerConnected(link.Handle, false);
                if (LinkAt(link.Handle) == link)
                {
                    CloseLink(null, link); // the engine did not know it any more
                }

                return;
            }

            Settle(link);
            engine.OnTcpPeerConnected(link.Handle, true);
            return;
        }

        if ((flags & Libc.EPOLLERR) != 0)
        {
            CloseLink(engine, link); // reset
            return;
        }

        if ((flags & Libc.EPOLLOUT) != 0 && !FlushToPeer(link))
        {
            return;
        }

        if ((flags & (Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLHUP)) != 0 && !ReadPeer(link))
        {
            return;
        }

        Settle(link);
    }

    private void OnClientEvent(TcpRelayLink link, uint flags)
    {
        if ((flags & Libc.EPOLLERR) != 0)
        {
            CloseLink(Engine, link);
            return;
        }

        if ((flags & Libc.EPOLLOUT) != 0 && !FlushToClient(link))
        {
            return;
        }

        if ((flags & (Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLHUP)) != 0 && !ReadClient(link))
        {
            return;
        }

        Settle(link);
    }

    // ---- links ------------------------------------------------------------------------------------

    private TcpRelayLink? LinkAt(int handle) => (uint)handle < (uint)_nextLinkId ? _links[handle] : null;

    private static ulong LinkEventData(ulong kind, TcpRelayLink link) => ((ulong)link.Generation << 48) | kind | (uint)link.Handle;

    private TcpRelayLink? AddLink(int fd, StunAddress peer, bool connecting)
    {
        int handle = _freeLinkIds.Count > 0 ? _freeLinkIds.Pop() : _nextLinkId++;
        if (handle >= _links.Length)
        {
            Array.Resize(ref _links, _links.Length * 2);
        }

        var link = new TcpRelayLink(handle, fd, peer, connecting) { Generation = ++_linkGeneration };
        link.PeerEvents = connecting ? Libc.EPOLLOUT : Libc.EPOLLIN | Libc.EPOLLRDHUP;
        Libc.EpollEvent ev = default;
        ev.Events = link.PeerEvents;
        Libc.SetEpollData(&ev, LinkEventData(KindTcpPeer, link));
        if (Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_ADD, fd, &ev) != 0)
        {
            _log.Warning($"TCP relay: epoll_ctl ADD failed: errno {Marshal.GetLastPInvokeError()}");
            link.ToClient?.Release();
            Libc.close(fd);
            _freeLinkIds.Push(handle);
            return null;
        }

        _links[handle] = link;
        Interlocked.Increment(ref _linkCount);
        return link;
    }

    /// <summary>
    /// Ends a link: both sockets close, its buffers go back to the pool, the client connection's listener
    /// bookkeeping runs. With <paramref name="engine"/> the engine hears of it (a close the engine did not ask for).
    /// </summary>
    private void CloseLink(TurnEngine? engine, TcpRelayLink link)
    {
        int handle = link.Handle;
        if (LinkAt(handle) != link)
        {
            return;
        }

        _links[handle] = null;
        _freeLinkIds.Push(handle);
        Interlocked.Decrement(ref _linkCount);
        Libc.EpollEvent ev = default;
        if (link.PeerFd >= 0)
        {
            Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_DEL, link.PeerFd, &ev);
            Libc.close(link.PeerFd);
            link.PeerFd = -1;
        }

        if (link.ClientSocket is { } socket)
        {
            Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_DEL, link.ClientFd, &ev);
            socket.Dispose();
            link.ClientFd = -1;
        }

        link.Tls?.Abort();
        link.ToClient?.Release();
        link.ToPeer?.Release();
        while (link.TlsToPeer.TryDequeue(out TlsRawBuffer? posted))
        {
            ArrayPool<byte>.Shared.Return(posted.Buffer);
            link.Tls?.Delivered(posted.Length);
        }

        link.TlsToPeerBytes = 0;
        Volatile.Write(ref _tcpRelayHeldBytes, _tcpRelayHeldBytes - link.Counted);
        link.Counted = 0;
        try
        {
            link.ClientOnClosed?.Invoke();
        }
        finally
        {
            engine?.OnTcpPeerClosed(handle);
        }
    }

    /// <summary>Shutdown: every link still open closes (the engine's allocations are gone already).</summary>
    private void CloseAllTcpRelays()
    {
        for (int handle = 0; handle < _nextLinkId; handle++)
        {
            if (_links[handle] is { } link)
            {
                CloseLink(null, link);
            }
        }

        while (_tlsRawInbox.TryDequeue(out TlsRawItem item))
        {
            if (item.Buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(item.Buffer);
            }
        }
    }
}
