using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Turn.Protocol;
using Turn.Server.Engine;
using Turn.Server.Relay;
using Turn.Server.Transports.Native;

namespace Turn.Server.Transports;

/// <summary>
/// One relay worker: a thread that owns its UDP listener sockets (one per listening address, shared
/// with the other workers through SO_REUSEPORT), the relay sockets of its allocations, and its
/// engine. It waits in epoll_wait, drains ready sockets with recvmmsg (up to 32 datagrams per
/// system call) and hands each datagram to the engine, which answers through <see cref="IRelayIo"/>
/// on this same thread. Nothing here is shared with another worker, so nothing needs a lock, and
/// the per-datagram path allocates nothing.
/// </summary>
public sealed unsafe partial class RelayWorker : IRelayIo, IDisposable
{
    private const int Batch = 32;
    private const int SlotData = 65536;
    private const int SlotSize = TurnEngine.PeerDataHeadroom + SlotData + 16;
    private const int MaxEvents = 64;
    private const int DrainRounds = 8;
    private const ulong KindListener = 1UL << 32;
    private const ulong KindRelay = 2UL << 32;
    private const ulong KindWake = 3UL << 32;
    private const ulong KindTcp = 4UL << 32;
    // 0x21 and up: RFC 6062 TCP relays (TcpRelay/RelayWorker.TcpRelay.cs).

    private readonly int _epoll;
    private readonly int _wake;
    private readonly List<Socket> _listeners = [];
    private readonly List<StunAddress> _listenerAddresses = [];
    private readonly ConcurrentQueue<Action> _inbox = new();
    private readonly Stack<int> _freeRelayIds = new();
    private readonly IServerLog _log;
    private readonly Thread _thread;
    private Socket?[] _relays = new Socket?[64];
    private int[] _relayFds = new int[64];
    private int _nextRelayId;
    private TurnEngine? _engine;
    private TcpConnection?[] _connections = new TcpConnection?[16];
    private readonly Stack<int> _freeConnectionIds = new();
    private int _nextConnectionId;
    private int _connectionCount;
    private volatile bool _stopping;
    private int _wakePending;

    // Native memory: stable addresses for the kernel, untouched pages never become resident.
    private readonly byte* _slots;
    private readonly Libc.MMsgHdr* _headers;
    private readonly Libc.IoVec* _iovecs;
    private readonly byte* _names;
    private readonly byte* _events;
    private readonly UdpSendBatch _sendBatch = new();

    // TCP input: every connection's bytes land here first; only incomplete messages are kept, in pooled buffers.
    private readonly byte[] _tcpScratch = GC.AllocateUninitializedArray<byte>(PartialFramePool.FullSize, pinned: true);
    private readonly PartialFramePool _partialPool = new();

    public RelayWorker(string name, IServerLog log)
    {
        _log = log;
        _epoll = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        _wake = Libc.eventfd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
        if (_epoll < 0 || _wake < 0)
        {
            throw new InvalidOperationException($"epoll/eventfd failed: errno {Marshal.GetLastPInvokeError()}");
        }

        _slots = (byte*)NativeMemory.AlignedAlloc((nuint)(Batch * SlotSize), 64);
        _headers = (Libc.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(Libc.MMsgHdr)));
        _iovecs = (Libc.IoVec*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(Libc.IoVec)));
        _names = (byte*)NativeMemory.AllocZeroed((nuint)(Batch * SockAddr.MaxLength));
        _events = (byte*)NativeMemory.AllocZeroed((nuint)(MaxEvents * 16));
        for (int i = 0; i < Batch; i++)
        {
            _iovecs[i].Base = _slots + (i * SlotSize) + TurnEngine.PeerDataHeadroom;
            _iovecs[i].Length = SlotData;
        }

        Register(_wake, KindWake);
        _thread = new Thread(Run) { IsBackground = true, Name = name };
    }

    /// <summary>The engine this worker drives; set once before <see cref="Start"/>.</summary>
    public TurnEngine Engine
    {
        get => _engine ?? throw new InvalidOperationException("no engine attached");
        set => _engine = value;
    }

    public IReadOnlyList<StunAddress> ListenerAddresses => _listenerAddresses;

    /// <summary>TCP connections this worker serves (read from other threads for statistics only).</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>TCP connections holding the start of an incomplete message now (read from other threads for statistics and tests).</summary>
    public int PartialMessageCount => _partialPool.InUse;

    /// <summary>Bytes of input buffer those connections hold (read from other threads for statistics and tests).</summary>
    public long PartialMessageBytes => _partialPool.HeldBytes;

    /// <summary>
    /// The message deadline and the max-allocate-timeout for this worker's TCP and TLS connections
    /// (the listeners' limits; set before <see cref="Start"/>).
    /// </summary>
    public TcpListenerLimits ClientLimits { get; set; } = new();

    /// <summary>
    /// Takes over an accepted TCP connection (from the acceptor's thread): from now on this
    /// worker reads, frames and answers it. <paramref name="onClosed"/> runs when it ends.
    /// <paramref name="client"/> overrides the socket's peer as the client's address (the address a
    /// PROXY protocol header named); null = the peer.
    /// </summary>
    public void Adopt(Socket socket, Action onClosed, StunAddress? client = null) => Post(() => AddConnection(socket, onClosed, client));

    /// <summary>Adds a bound UDP listener socket; its index is the <see cref="PacketContext.SocketId"/> of its packets.</summary>
    public void AddListener(Socket socket)
    {
        int index = _listeners.Count;
        _listeners.Add(socket);
        _listenerAddresses.Add(StunAddress.FromIPEndPoint((IPEndPoint)socket.LocalEndPoint!));
        Register((int)socket.Handle, KindListener | (uint)index);
    }

    public void Start() => _thread.Start();

    public void Dispose()
    {
        _stopping = true;
        Wake();
        if (_thread.IsAlive && Thread.CurrentThread != _thread)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }

        foreach (Socket s in _listeners)
        {
            s.Dispose();
        }

        for (int i = 0; i < _nextRelayId; i++)
        {
            _relays[i]?.Dispose();
        }

        Libc.close(_epoll);
        Libc.close(_wake);
        NativeMemory.AlignedFree(_slots);
        NativeMemory.Free(_headers);
        NativeMemory.Free(_iovecs);
        NativeMemory.Free(_names);
        NativeMemory.Free(_events);
        _sendBatch.Dispose();
    }

    // ---- IRelayIo ---------------------------------------------------------------------------

    public void SendToClient(in PacketContext client, ReadOnlySpan<byte> data)
    {
        if (client.Transport == TransportKind.Udp)
        {
            if ((uint)client.SocketId < (uint)_listeners.Count)
            {
                SendTo((int)_listeners[client.SocketId].Handle, client.Client, data);
            }
        }
        else if (client.Transport == TransportKind.Tls)
        {
            TlsSend(client, data);
        }
        else if (client.Transport == TransportKind.Dtls)
        {
            DtlsSend(client, data);
        }
        else if ((uint)client.SocketId < (uint)_nextConnectionId && _connections[client.SocketId] is { } connection
                 && connection.Context.Client == client.Client)
        {
            // (The address check: an answer that waited for the database must not reach a newer
            // connection that took over a closed one's id.)
            TcpSend(connection, data);
        }
    }

    public void SendToPeer(int relayId, in StunAddress peer, ReadOnlySpan<byte> data)
    {
        if ((uint)relayId < (uint)_nextRelayId && _relays[relayId] is not null)
        {
            SendTo(_relayFds[relayId], peer, data);
        }
    }

    public bool TryOpenUdpRelay(in StunAddress address, bool dontFragment, out int relayId, out SocketError error)
    {
        relayId = -1;
        var socket = new Socket(address.IsIPv4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (address.IsIPv6)
            {
                socket.DualMode = false;
            }

            socket.Bind(address.ToIPEndPoint());
            if (dontFragment)
            {
                int on = Libc.IP_PMTUDISC_DO;
                _ = address.IsIPv4
                    ? Libc.setsockopt((int)socket.Handle, Libc.IPPROTO_IP, Libc.IP_MTU_DISCOVER, &on, sizeof(int))
                    : Libc.setsockopt((int)socket.Handle, Libc.IPPROTO_IPV6, Libc.IPV6_MTU_DISCOVER, &on, sizeof(int));
            }
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
        Register(_relayFds[relayId], KindRelay | (uint)relayId);
        error = SocketError.Success;
        return true;
    }

    public void CloseRelay(int relayId)
    {
        if ((uint)relayId >= (uint)_nextRelayId || _relays[relayId] is not { } socket)
        {
            return;
        }

        // Datagrams queued for this socket leave first: once closed, its descriptor number may go
        // to a new relay socket in this same pass.
        _sendBatch.Flush();
        Libc.EpollEvent ev = default;
        Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_DEL, _relayFds[relayId], &ev);
        socket.Dispose();
        _relays[relayId] = null;
        _relayFds[relayId] = -1;
        _freeRelayIds.Push(relayId);
    }

    public void Post(Action work)
    {
        _inbox.Enqueue(work);
        Wake();
    }

    // ---- the loop ---------------------------------------------------------------------------

    private void Run()
    {
        TurnEngine engine = Engine;
        long nextTick = Environment.TickCount64 + 1000;
        while (!_stopping)
        {
            // What this pass queued leaves before the worker sleeps (one sendmmsg per socket run).
            _sendBatch.Flush();
            int timeout = (int)Math.Clamp(nextTick - Environment.TickCount64, 0, 1000);
            int ready = Libc.epoll_wait(_epoll, _events, MaxEvents, timeout);
            long now = Environment.TickCount64;
            engine.NowMs = now;
            for (int i = 0; i < ready; i++)
            {
                Libc.ReadEpollEvent(_events, i, out _, out ulong data);
                ulong kind = data & 0xFFFF_FFFF_0000_0000UL;
                int index = (int)(uint)data;
                try
                {
                    if (kind == KindListener)
                    {
                        DrainListener(engine, index);
                    }
                    else if (kind == KindRelay)
                    {
                        DrainRelay(engine, index);
                    }
                    else if (kind == KindTcp)
                    {
                        Libc.ReadEpollEvent(_events, i, out uint flags, out _);
                        ServeConnection(engine, index, flags, now);
                    }
                    else if (kind >= KindTcpRelayListener)
                    {
                        Libc.ReadEpollEvent(_events, i, out uint flags, out _);
                        OnTcpRelayEvent(engine, kind, index, flags);
                    }
                    else
                    {
                        DrainInbox();
                    }
                }
                catch (Exception e)
                {
                    // A bug must not take the worker (and every allocation on it) down with it.
                    _log.Error($"worker {_thread.Name}: {e}");
                }
            }

            if (now >= nextTick)
            {
                nextTick = now + 1000;
                try
                {
                    engine.OnTick();
                    CloseIdleConnections(engine, now);
                    CloseIdleTls(engine, now);
                    CloseIdleDtls(engine, now);
                }
                catch (Exception e)
                {
                    _log.Error($"worker {_thread.Name}: expiry sweep failed: {e}");
                }
            }
        }

        for (int id = 0; id < _nextConnectionId; id++)
        {
            if (_connections[id] is { } c)
            {
                CloseConnection(engine, c);
            }
        }

        CloseAllTls(engine);
        CloseAllDtls(engine);
        engine.Shutdown();
        CloseAllTcpRelays();
    }

    private void DrainListener(TurnEngine engine, int index)
    {
        int fd = (int)_listeners[index].Handle;
        StunAddress local = _listenerAddresses[index];
        for (int round = 0; round < DrainRounds; round++)
        {
            int n = Receive(fd);
            for (int i = 0; i < n; i++)
            {
                if (SockAddr.TryRead(_names + (i * SockAddr.MaxLength), _headers[i].NameLength, out StunAddress client))
                {
                    var packet = new ReadOnlySpan<byte>(_iovecs[i].Base, (int)_headers[i].Length);
                    if (TryDtlsDatagram(engine, index, client, local, packet))
                    {
                        continue;
                    }

                    engine.OnClientPacket(packet, new PacketContext(client, local, TransportKind.Udp, index));
                }
            }

            if (n < Batch)
            {
                return;
            }
        }
    }

    private void DrainRelay(TurnEngine engine, int relayId)
    {
        for (int round = 0; round < DrainRounds; round++)
        {
            if ((uint)relayId >= (uint)_nextRelayId || _relays[relayId] is null)
            {
                return; // closed while draining (allocation deleted by a packet in this batch)
            }

            int n = Receive(_relayFds[relayId]);
            for (int i = 0; i < n; i++)
            {
                if (SockAddr.TryRead(_names + (i * SockAddr.MaxLength), _headers[i].NameLength, out StunAddress peer))
                {
                    var slot = new Span<byte>(_slots + (i * SlotSize), SlotSize);
                    engine.OnPeerPacket(relayId, peer, slot, TurnEngine.PeerDataHeadroom, (int)_headers[i].Length);
                }
            }

            if (n < Batch)
            {
                return;
            }
        }
    }

    /// <summary>One recvmmsg: returns how many datagrams landed in the slots (0 when none are waiting).</summary>
    private int Receive(int fd)
    {
        for (int i = 0; i < Batch; i++)
        {
            _headers[i].Name = _names + (i * SockAddr.MaxLength);
            _headers[i].NameLength = SockAddr.MaxLength;
            _headers[i].Iov = _iovecs + i;
            _headers[i].IovLength = 1;
            _headers[i].Control = null;
            _headers[i].ControlLength = 0;
            _headers[i].Flags = 0;
        }

        int n = Libc.recvmmsg(fd, _headers, Batch, Libc.MSG_DONTWAIT, null);
        return n < 0 ? 0 : n;
    }

    /// <summary>Queued in the worker's send batch; it goes out by the end of this pass over the ready sockets.</summary>
    private void SendTo(int fd, in StunAddress to, ReadOnlySpan<byte> data) => _sendBatch.Send(fd, to, data);

    // ---- TCP clients ---------------------------------------------------------------------------

    private void AddConnection(Socket socket, Action onClosed, StunAddress? client)
    {
        if (_stopping)
        {
            socket.Dispose();
            onClosed();
            return;
        }

        int id = _freeConnectionIds.Count > 0 ? _freeConnectionIds.Pop() : _nextConnectionId++;
        if (id >= _connections.Length)
        {
            Array.Resize(ref _connections, _connections.Length * 2);
        }

        socket.NoDelay = true;
        var connection = new TcpConnection(
            socket,
            id,
            client ?? StunAddress.FromIPEndPoint((IPEndPoint)socket.RemoteEndPoint!),
            StunAddress.FromIPEndPoint((IPEndPoint)socket.LocalEndPoint!),
            Environment.TickCount64)
        { OnClosed = onClosed };
        _connections[id] = connection;
        Interlocked.Increment(ref _connectionCount);
        Register(connection.Fd, KindTcp | (uint)id, Libc.EPOLLIN | Libc.EPOLLRDHUP);
    }

    private void ServeConnection(TurnEngine engine, int id, uint flags, long now)
    {
        if ((uint)id >= (uint)_nextConnectionId || _connections[id] is not { } c)
        {
            return;
        }

        if ((flags & Libc.EPOLLOUT) != 0 && !Flush(c))
        {
            CloseConnection(engine, c);
            return;
        }

        if ((flags & (Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLHUP | Libc.EPOLLERR)) == 0)
        {
            return;
        }

        for (int round = 0; round < DrainRounds; round++)
        {
            // A pending message is completed in its own buffer, reading no further than its end;
            // everything else is read into the scratch buffer and framed in place.
            byte[] target;
            int offset;
            int space;
            if (c.Partial is { } partial)
            {
                StreamFraming.GetFrame(partial.AsSpan(0, c.Buffered), out int needed);
                if (c.Buffered == partial.Length)
                {
                    partial = GrowPartial(c, PartialFramePool.NextSize(c.Buffered, needed));
                }

                (target, offset, space) = (partial, c.Buffered, Math.Min(needed, partial.Length) - c.Buffered);
            }
            else
            {
                (target, offset, space) = (_tcpScratch, 0, _tcpScratch.Length);
            }

            nint n;
            fixed (byte* p = &target[offset])
            {
                n = Libc.recv(c.Fd, p, (nuint)space, Libc.MSG_DONTWAIT);
            }

            if (n == 0 || (n < 0 && Marshal.GetLastPInvokeError() is not (Libc.EAGAIN or Libc.EINTR)))
            {
                CloseConnection(engine, c); // orderly close or reset: the allocation goes with it
                return;
            }

            if (n < 0)
            {
                return; // nothing more for now
            }

            bool framed;
            if (c.Partial is { } pending)
            {
                c.Buffered += (int)n;
                StreamFrameKind kind = StreamFraming.GetFrame(pending.AsSpan(0, c.Buffered), out _);
                if (kind == StreamFrameKind.NeedMore)
                {
                    framed = true; // still incomplete: more of it, or its header, next time
                }
                else
                {
                    // Complete (or, its header now known, not STUN): framed like any other bytes, then given back.
                    int length = c.Buffered;
                    DropPartial(c);
                    framed = Frame(engine, c, pending, length, now);
                    _partialPool.Return(pending);
                }
            }
            else
            {
                framed = Frame(engine, c, _tcpScratch, (int)n, now);
            }

            if (!framed)
            {
                CloseConnection(engine, c);
                return;
            }

            if (_connections[id] != c || n < space)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Hands every complete STUN/ChannelData frame in <paramref name="data"/>[0..<paramref name="length"/>)
    /// to the engine and keeps an incomplete last one as the connection's partial message; false when the
    /// stream is not STUN.
    /// </summary>
    private bool Frame(TurnEngine engine, TcpConnection c, byte[] data, int length, long now)
    {
        int consumed = 0;
        int needed;
        c.Reading = data;
        c.ReadingLength = length;
        try
        {
            while (true)
            {
                StreamFrameKind kind = StreamFraming.GetFrame(data.AsSpan(consumed, length - consumed), out needed);
                if (kind == StreamFrameKind.NeedMore)
                {
                    break;
                }

                if (kind == StreamFrameKind.Invalid)
                {
                    return false; // TLS on the plain port, HTTP, garbage: nothing to resynchronise on
                }

                c.LastMessageMs = now;
                engine.OnClientPacket(data.AsSpan(consumed, needed), c.Context);
                if (c.Detached)
                {
                    return true; // RFC 6062: moved to another worker or bound to a peer, with the bytes that followed
                }

                consumed += needed;
            }
        }
        finally
        {
            c.Reading = null;
            c.ReadingLength = 0;
        }

        int tail = length - consumed;
        if (tail > 0 && _connections[c.Context.SocketId] == c)
        {
            // The first bytes of the next message: kept, and its deadline starts now.
            byte[] partial = _partialPool.Rent(Math.Min(needed, Math.Max(tail, PartialFramePool.SmallSize)));
            data.AsSpan(consumed, tail).CopyTo(partial);
            c.Partial = partial;
            c.Buffered = tail;
            c.PartialSinceMs = now;
        }

        return true;
    }

    /// <summary>Moves the partial message to a bigger pooled buffer (it holds a whole buffer's worth and needs more).</summary>
    private byte[] GrowPartial(TcpConnection c, int size)
    {
        byte[] old = c.Partial!;
        byte[] bigger = _partialPool.Rent(size);
        old.AsSpan(0, c.Buffered).CopyTo(bigger);
        c.Partial = bigger;
        _partialPool.Return(old);
        return bigger;
    }

    /// <summary>Forgets the connection's partial message (the caller returns or reuses its buffer).</summary>
    private static void DropPartial(TcpConnection c)
    {
        c.Partial = null;
        c.Buffered = 0;
        c.PartialSinceMs = 0;
    }

    private void TcpSend(TcpConnection c, ReadOnlySpan<byte> data)
    {
        int sent = 0;
        if (c.Pending.Count == 0)
        {
            fixed (byte* p = data)
            {
                nint n = Libc.send(c.Fd, p, (nuint)data.Length, Libc.MSG_DONTWAIT | Libc.MSG_NOSIGNAL);
                if (n == data.Length)
                {
                    return;
                }

                if (n < 0 && Marshal.GetLastPInvokeError() is not (Libc.EAGAIN or Libc.EINTR))
                {
                    return; // the connection is failing; the read side will close it
                }

                sent = (int)Math.Max(n, 0);
            }
        }

        // Whole messages only: a message not started is dropped when too much is waiting.
        if (sent == 0 && c.PendingBytes + data.Length > TcpConnection.MaxPendingBytes)
        {
            return;
        }

        c.Pending.Enqueue(data[sent..].ToArray());
        c.PendingBytes += data.Length - sent;
        if (!c.WantsWrite)
        {
            c.WantsWrite = true;
            Modify(c.Fd, KindTcp | (uint)c.Context.SocketId, Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLOUT);
        }
    }

    /// <summary>Writes what is waiting; false if the connection failed.</summary>
    private bool Flush(TcpConnection c)
    {
        while (c.Pending.Count > 0)
        {
            byte[] head = c.Pending.Peek();
            int remaining = head.Length - c.HeadOffset;
            nint n;
            fixed (byte* p = &head[c.HeadOffset])
            {
                n = Libc.send(c.Fd, p, (nuint)remaining, Libc.MSG_DONTWAIT | Libc.MSG_NOSIGNAL);
            }

            if (n < 0)
            {
                return Marshal.GetLastPInvokeError() is Libc.EAGAIN or Libc.EINTR;
            }

            c.PendingBytes -= (int)n;
            if (n < remaining)
            {
                c.HeadOffset += (int)n;
                return true;
            }

            c.Pending.Dequeue();
            c.HeadOffset = 0;
        }

        c.WantsWrite = false;
        Modify(c.Fd, KindTcp | (uint)c.Context.SocketId, Libc.EPOLLIN | Libc.EPOLLRDHUP);
        return true;
    }

    private void CloseConnection(TurnEngine engine, TcpConnection c)
    {
        int id = c.Context.SocketId;
        if (_connections[id] != c)
        {
            return;
        }

        _connections[id] = null;
        if (c.Partial is { } partial)
        {
            DropPartial(c);
            _partialPool.Return(partial);
        }

        Libc.EpollEvent ev = default;
        Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_DEL, c.Fd, &ev);
        c.Socket.Dispose();
        _freeConnectionIds.Push(id);
        Interlocked.Decrement(ref _connectionCount);
        engine.OnClientClosed(c.Context);
        c.OnClosed?.Invoke();
    }

    /// <summary>The once-a-second sweep over the TCP client connections (<see cref="ClientTimeout"/>).</summary>
    private void CloseIdleConnections(TurnEngine engine, long now)
    {
        for (int id = 0; id < _nextConnectionId; id++)
        {
            if (_connections[id] is { } c && ClientTimeout(engine, c.Context, c.PartialSinceMs, c.LastMessageMs, c.AcceptedAtMs, now) is { } why)
            {
                if (_log.IsDebugEnabled)
                {
                    _log.Debug($"TCP connection from {c.Context.Client} closed: {why}");
                }

                CloseConnection(engine, c);
            }
        }
    }

    /// <summary>
    /// Why a TCP or TLS client connection is to be closed now, or null: a message begun at
    /// <paramref name="partialSinceMs"/> (0 = none) and not completed within the message deadline,
    /// or no complete message since <paramref name="lastMessageMs"/> for the idle timeout and no
    /// allocation. Partial bytes never count as activity, so dribbling keeps nothing open. And, however busy,
    /// a connection still without an allocation max-allocate-timeout after <paramref name="openedAtMs"/>.
    /// </summary>
    private string? ClientTimeout(TurnEngine engine, in PacketContext context, long partialSinceMs, long lastMessageMs, long openedAtMs, long now)
    {
        if (now - openedAtMs > engine.MaxAllocateTimeoutMs && !engine.HasAllocation(context))
        {
            return $"no allocation within {engine.MaxAllocateTimeoutMs / 1000.0:0.###} s (max-allocate-timeout)";
        }

        TcpListenerLimits limits = ClientLimits;
        if (partialSinceMs != 0 && now - partialSinceMs > (long)limits.MessageTimeout.TotalMilliseconds)
        {
            return $"a message not completed within {limits.MessageTimeout.TotalSeconds:0.###} s (tcp-message-timeout)";
        }

        if (now - lastMessageMs > (long)limits.IdleTimeout.TotalMilliseconds && !engine.HasAllocation(context))
        {
            return $"no complete message for {limits.IdleTimeout.TotalSeconds:0.###} s and no allocation (tcp-idle-timeout)";
        }

        return null;
    }

    private void Modify(int fd, ulong data, uint events)
    {
        Libc.EpollEvent ev = default;
        ev.Events = events;
        Libc.SetEpollData(&ev, data);
        Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_MOD, fd, &ev);
    }

    private void DrainInbox()
    {
        ulong count;
        Libc.read(_wake, &count, sizeof(ulong));
        // Cleared before draining: whatever is queued after this point wakes us again.
        Interlocked.Exchange(ref _wakePending, 0);
        while (_inbox.TryDequeue(out Action? work))
        {
            try
            {
                work();
            }
            catch (Exception e)
            {
                _log.Error($"worker {_thread.Name}: {e}");
            }
        }

        DrainTls(Engine);
        DrainTcpRelays(Engine);
    }

    /// <summary>Wakes the worker; one eventfd write per wake-up however many items are posted meanwhile.</summary>
    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            ulong one = 1;
            Libc.write(_wake, &one, sizeof(ulong));
        }
    }

    private void Register(int fd, ulong data, uint events = Libc.EPOLLIN)
    {
        Libc.EpollEvent ev = default;
        ev.Events = events;
        Libc.SetEpollData(&ev, data);
        if (Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_ADD, fd, &ev) != 0)
        {
            throw new InvalidOperationException($"epoll_ctl ADD failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
