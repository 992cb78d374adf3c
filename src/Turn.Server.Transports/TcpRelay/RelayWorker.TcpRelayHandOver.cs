using System.Net.Sockets;
using Turn.Protocol;
using Turn.Server.Engine;
using Turn.Server.Transports.Native;
using Turn.Server.Transports.Tls;

namespace Turn.Server.Transports;

/// <summary>
/// RFC 6062 §5.4 across workers: a ConnectionBind reaches whichever worker the listener gave its new
/// connection to, but the peer data connection lives on the worker that owns the allocation (the
/// CONNECTION-ID's top byte). The client connection then moves there, plain TCP with its unread bytes
/// and unsent output, TLS with its read loop waiting for the bind's verdict, and the request runs again
/// on that worker's engine.
/// </summary>
public sealed unsafe partial class RelayWorker
{
    public bool TryHandOver(in PacketContext client, ReadOnlySpan<byte> request, int worker)
    {
        if (_group is null || (uint)worker >= (uint)_group.Count || worker == _groupIndex)
        {
            return false;
        }

        RelayWorker target = _group[worker];
        byte[] replay = request.ToArray();
        int id = client.SocketId;
        if (client.Transport == TransportKind.Tcp)
        {
            if ((uint)id >= (uint)_nextConnectionId || _connections[id] is not { } c || c.Context.Client != client.Client)
            {
                return false;
            }

            ReadOnlySpan<byte> unread = c.Unread;
            int from = unread.Overlaps(request, out int offset) ? offset + request.Length : 0;
            byte[] rest = unread[from..].ToArray();
            byte[]? output = PendingOutput(c);
            ReleaseTcpConnection(c);
            Libc.EpollEvent ev = default;
            Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_DEL, c.Fd, &ev);
            PacketContext context = c.Context;
            Socket socket = c.Socket;
            Action? onClosed = c.OnClosed;
            target.Post(() => target.AdoptMovedTcp(socket, context.Client, context.Local, onClosed, rest, output, replay));
            return true;
        }

        if (client.Transport == TransportKind.Tls)
        {
            if ((uint)id >= (uint)_nextTlsId || _tls[id] is not { } t || t.Client != client.Client)
            {
                return false;
            }

            // Its read loop waits for this ConnectionBind's verdict, so it posts nothing while it moves.
            _tls[id] = null;
            _freeTlsIds.Push(id);
            Interlocked.Decrement(ref _tlsCount);
            t.MoveTo(target);
            target.Post(() => target.AdoptMovedTls(t, replay));
            return true;
        }

        return false;
    }

    // ---- on the receiving worker ----------------------------------------------------------------


    /// <summary>A plain TCP client connection moved here from another worker, with its unread bytes and unsent output, and the request to run.</summary>
    private void AdoptMovedTcp(Socket socket, StunAddress client, StunAddress local, Action? onClosed, byte[] rest, byte[]? output, byte[] request)
    {
        if (_stopping)
        {
            socket.Dispose();
            onClosed?.Invoke();
            return;
        }

        int id = _freeConnectionIds.Count > 0 ? _freeConnectionIds.Pop() : _nextConnectionId++;
        if (id >= _connections.Length)
        {
            Array.Resize(ref _connections, _connections.Length * 2);
        }

        var c = new TcpConnection(socket, id, client, local, Environment.TickCount64) { OnClosed = onClosed };
        if (output is not null)
        {
            c.Pending.Enqueue(output);
            c.PendingBytes = output.Length;
            c.WantsWrite = true;
        }

        _connections[id] = c;
        Interlocked.Increment(ref _connectionCount);
        Register(c.Fd, KindTcp | (uint)id, Libc.EPOLLIN | Libc.EPOLLRDHUP | (c.WantsWrite ? Libc.EPOLLOUT : 0));

        TurnEngine engine = Engine;
        engine.OnClientPacket(request, c.Context);
        if (!c.Detached && _connections[id] == c && rest.Length > 0 && !Frame(engine, c, rest, rest.Length, engine.NowMs))
        {
            CloseConnection(engine, c);
        }
    }

    /// <summary>A TLS client connection moved here from another worker; its read loop waits for the verdict on <paramref name="request"/>.</summary>
    private void AdoptMovedTls(TlsConnection t, byte[] request)
    {
        if (_stopping || t.IsAborted)
        {
            // Closed on the way: its read loop's report went (or goes) to a worker that does not hold it.
            t.Abort();
            t.OnClosed?.Invoke();
            return;
        }

        int id = _freeTlsIds.Count > 0 ? _freeTlsIds.Pop() : _nextTlsId++;
        if (id >= _tls.Length)
        {
            Array.Resize(ref _tls, _tls.Length * 2);
        }

        t.Context = new PacketContext(t.Client, t.Local, TransportKind.Tls, id);
        t.AdoptedAtMs = Environment.TickCount64;
        t.LastMessageMs = Environment.TickCount64;
        _tls[id] = t;
        Interlocked.Increment(ref _tlsCount);
        Engine.OnClientPacket(request, t.Context);
        if (IsCurrent(t))
        {
            t.ReleaseBindPause();
        }
    }

    /// <summary>Lets go of a STUN client connection without closing its socket (it moves, or becomes a data connection).</summary>
    private void ReleaseTcpConnection(TcpConnection c)
    {
        int id = c.Context.SocketId;
        _connections[id] = null;
        _freeConnectionIds.Push(id);
        Interlocked.Decrement(ref _connectionCount);
        c.Detached = true;
    }

    /// <summary>What a client connection had queued and not yet written (a response), as one array; null if nothing.</summary>
    private static byte[]? PendingOutput(TcpConnection c)
    {
        if (c.Pending.Count == 0)
        {
            return null;
        }

        var all = new byte[c.PendingBytes];
        int at = 0;
        int skip = c.HeadOffset;
        foreach (byte[] chunk in c.Pending)
        {
            chunk.AsSpan(skip).CopyTo(all.AsSpan(at));
            at += chunk.Length - skip;
            skip = 0;
        }

        return at == all.Length ? all : all[..at];
    }
}
