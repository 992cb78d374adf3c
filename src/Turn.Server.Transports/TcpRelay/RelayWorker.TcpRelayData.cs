using System.Buffers;
using System.Runtime.InteropServices;
using Turn.Server.Engine;
using Turn.Server.Transports.Native;
using Turn.Server.Transports.TcpRelay;
using Turn.Server.Transports.Tls;

namespace Turn.Server.Transports;

/// <summary>
/// The bytes of RFC 6062 data connections: peer to client and client to peer, each direction
/// through a bounded buffer; a reader is only watched while the other side has room, a writer only
/// while bytes wait for it. TLS client data connections are served through their read loop's posted
/// buffers (in) and their output queue (out), with the same bounds.
/// </summary>
public sealed unsafe partial class RelayWorker
{

    /// <summary>Reads what the peer sent, as far as the client side has room; false if the link closed.</summary>
    private bool ReadPeer(TcpRelayLink link)
    {
        for (int round = 0; round < DrainRounds; round++)
        {
            Span<byte> target;
            TlsConnection? tls = link.Tls;
            if (tls is not null)
            {
                if (link.PeerWaitsForTls)
                {
                    return true;
                }

                if (tls.TryWaitForDrain())
                {
                    link.PeerWaitsForTls = true;
                    return true;
                }

                target = _peerScratch ??= GC.AllocateUninitializedArray<byte>(TcpRelayLink.BufferBytes);
            }
            else
            {
                if (link.ToClient is not { IsFull: false } buffer)
                {
                    return true;
                }

                target = buffer.Free();
            }

            nint n;
            fixed (byte* p = target)
            {
                n = Libc.recv(link.PeerFd, p, (nuint)target.Length, Libc.MSG_DONTWAIT);
            }

            if (n > 0)
            {
                if (tls is not null)
                {
                    if (!tls.SendRaw(target[..(int)n]))
                    {
                        CloseLink(Engine, link);
                        return false;
                    }
                }
                else
                {
                    link.ToClient!.Commit((int)n);
                    if (link.ClientFd >= 0 && !FlushToClient(link))
                    {
                        return false;
                    }
                }

                if (n < target.Length)
                {
                    return true;
                }

                continue;
            }

            if (n == 0)
            {
                link.PeerEof = true;
                return true;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR)
            {
                continue;
            }

            if (errno == Libc.EAGAIN)
            {
                return true;
            }

            CloseLink(Engine, link);
            return false;
        }

        return true;
    }

    /// <summary>Reads what a plain TCP client data connection sent, as far as there is room; false if the link closed.</summary>
    private bool ReadClient(TcpRelayLink link)
    {
        for (int round = 0; round < DrainRounds; round++)
        {
            if (link.ToPeer is not { IsFull: false } buffer || link.ClientFd < 0)
            {
                return true;
            }

            Span<byte> target = buffer.Free();
            nint n;
            fixed (byte* p = target)
            {
                n = Libc.recv(link.ClientFd, p, (nuint)target.Length, Libc.MSG_DONTWAIT);
            }

            if (n > 0)
            {
                buffer.Commit((int)n);
                if (!FlushToPeer(link))
                {
                    return false;
                }

                if (n < target.Length)
                {
                    return true;
                }

                continue;
            }

            if (n == 0)
            {
                link.ClientEof = true;
                return true;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR)
            {
                continue;
            }

            if (errno == Libc.EAGAIN)
            {
                return true;
            }

            CloseLink(Engine, link);
            return false;
        }

        return true;
    }

    /// <summary>Writes what waits for a plain TCP client data connection; false if the link closed.</summary>
    private bool FlushToClient(TcpRelayLink link)
    {
        if (link.ClientFd < 0)
        {
            return true;
        }

        if (link.ClientPrefix is { } prefix)
        {
            if (!TrySend(link.ClientFd, prefix.AsSpan(link.ClientPrefixOffset), out int sent))
            {
                CloseLink(Engine, link);
                return false;
            }

            link.ClientPrefixOffset += sent;
            if (link.ClientPrefixOffset < prefix.Length)
            {
                return true;
            }

            link.ClientPrefix = null;
            link.ClientPrefixOffset = 0;
        }

        if (link.ToClient is not { } buffer)
        {
            return true;
        }

        while (!buffer.IsEmpty)
        {
            ReadOnlySpan<byte> waiting = buffer.Waiting;
            if (!TrySend(link.ClientFd, waiting, out int sent))
            {
                CloseLink(Engine, link);
                return false;
            }

            buffer.Consume(sent);
            if (sent < waiting.Length)
            {
                return true; // the socket is full: EPOLLOUT tells when it has room
            }
        }

        return true;
    }

    /// <summary>Writes what waits for the peer (from a plain or a TLS client); false if the link closed.</summary>
    private bool FlushToPeer(TcpRelayLink link)
    {
        if (link.Connecting || link.PeerFd < 0)
        {
            return true;
        }

        if (link.ToPeer is { } buffer)
        {
            while (!buffer.IsEmpty)
            {
                ReadOnlySpan<byte> waiting = buffer.Waiting;
                if (!TrySend(link.PeerFd, waiting, out int sent))
                {
                    CloseLink(Engine, link);
                    return false;
                }

                buffer.Consume(sent);
                if (sent < waiting.Length)
                {
                    return true;
                }
            }
        }

        while (link.TlsToPeer.TryPeek(out TlsRawBuffer? posted))
        {
            ReadOnlySpan<byte> waiting = posted.Buffer.AsSpan(posted.Offset, posted.Length - posted.Offset);
            if (!TrySend(link.PeerFd, waiting, out int sent))
            {
                CloseLink(Engine, link);
                return false;
            }

            posted.Offset += sent;
            link.TlsToPeerBytes -= sent;
            if (sent < waiting.Length)
            {
                return true;
            }

            link.TlsToPeer.Dequeue();
            ArrayPool<byte>.Shared.Return(posted.Buffer);
            link.Tls?.Delivered(posted.Length); // lets a parked TLS read loop go on
        }

        return true;
    }

    /// <summary>One non-blocking send; false on a failure other than a full socket (then the link must close).</summary>
    private static bool TrySend(int fd, ReadOnlySpan<byte> data, out int sent)
    {
        sent = 0;
        while (sent < data.Length)
        {
            nint n;
            fixed (byte* p = data[sent..])
            {
                n = Libc.send(fd, p, (nuint)(data.Length - sent), Libc.MSG_DONTWAIT | Libc.MSG_NOSIGNAL);
            }

            if (n > 0)
            {
                sent += (int)n;
                continue;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR)
            {
                continue;
            }

            return errno == Libc.EAGAIN;
        }

        return true;
    }

    /// <summary>
    /// After bytes moved: a side that finished sending ends the link once what it sent is delivered;
    /// otherwise each socket is watched for exactly what can make progress (read while the other
    /// direction has room, write while bytes wait).
    /// </summary>
    private void Settle(TcpRelayLink link)
    {
        if (link.PeerEof)
        {
            if (link.Tls is { } tls)
            {
                if (!link.TlsClosing)
                {
                    link.TlsClosing = true;
                    tls.CloseWhenSent(); // its read loop reports the end, and the link closes then
                }
            }
            else if ((link.ToClient?.IsEmpty ?? true) && link.ClientPrefix is null)
            {
                // Delivered (or, before a bind, nothing was sent that could wait for one).
                CloseLink(Engine, link);
                return;
            }
        }

        if (link.ClientEof && (link.ToPeer?.IsEmpty ?? true) && link.TlsToPeerBytes == 0)
        {
            CloseLink(Engine, link);
            return;
        }

        uint peer;
        if (link.Connecting)
        {
            peer = Libc.EPOLLOUT;
        }
        else
        {
            bool room = link.Tls is not null ? !link.PeerWaitsForTls : link.ToClient is { IsFull: false };
            peer = !link.PeerEof && room ? Libc.EPOLLIN | Libc.EPOLLRDHUP : 0;
            if (link.ToPeer is { IsEmpty: false } || link.TlsToPeerBytes > 0)
            {
                peer |= Libc.EPOLLOUT;
            }
        }

        if (peer != link.PeerEvents && link.PeerFd >= 0)
        {
            Modify(link.PeerFd, LinkEventData(KindTcpPeer, link), peer);
            link.PeerEvents = peer;
        }

        if (link.ClientFd >= 0)
        {
            uint client = !link.ClientEof && link.ToPeer is { IsFull: false } ? Libc.EPOLLIN | Libc.EPOLLRDHUP : 0;
            if (link.ClientPrefix is not null || link.ToClient is { IsEmpty: false })
            {
                client |= Libc.EPOLLOUT;
            }

            if (client != link.ClientEvents)
            {
                Modify(link.ClientFd, LinkEventData(KindTcpDataClient, link), client);
                link.ClientEvents = client;
            }
        }

        Account(link);
    }

    private void Account(TcpRelayLink link)
    {
        int held = link.HeldBytes;
        if (held != link.Counted)
        {
            Volatile.Write(ref _tcpRelayHeldBytes, _tcpRelayHeldBytes + held - link.Counted);
            link.Counted = held;
        }
    }

    // ---- TLS data connections -------------------------------------------------------------------

    /// <summary>From a bound TLS connection's read loop: decrypted bytes for the peer (pooled; null = the connection ended).</summary>
    internal void PostTlsRaw(TlsConnection connection, byte[]? buffer, int length)
    {
        _tlsRawInbox.Enqueue(new TlsRawItem(connection, buffer, length, Drained: false));
        Wake();
    }

    /// <summary>From a bound TLS connection's write loop: its output has room again (<see cref="TlsConnection.TryWaitForDrain"/>).</summary>
    internal void PostTlsDrained(TlsConnection connection)
    {
        _tlsRawInbox.Enqueue(new TlsRawItem(connection, null, 0, Drained: true));
        Wake();
    }

    private void DrainTcpRelays(TurnEngine engine)
    {
        for (int budget = TcpRelayDrainBudget; budget > 0; budget--)
        {
            if (!_tlsRawInbox.TryDequeue(out TlsRawItem item))
            {
                return;
            }

            TlsConnection c = item.Connection;
            TcpRelayLink? link = LinkAt(c.RawLink) is { } l && l.Tls == c ? l : null;
            try
            {
                if (item.Drained)
                {
                    if (link is { PeerWaitsForTls: true })
                    {
                        link.PeerWaitsForTls = false;
                        Settle(link);
                    }
                }
                else if (item.Buffer is not { } buffer)
                {
                    if (link is not null)
                    {
                        if (link.TlsClosing)
                        {
                            CloseLink(engine, link); // everything the peer sent went out
                        }
                        else
                        {
                            link.ClientEof = true;
                            Settle(link);
                        }
                    }
                }
                else if (link is null || link.ClientEof)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    c.Delivered(item.Length);
                }
                else
                {
                    link.TlsToPeer.Enqueue(new TlsRawBuffer(buffer, item.Length));
                    link.TlsToPeerBytes += item.Length;
                    if (FlushToPeer(link))
                    {
                        Settle(link);
                    }
                }
            }
            catch (Exception e)
            {
                _log.Error($"worker {_thread.Name}: TCP relay data from {c.Client}: {e}");
            }
        }

        if (!_tlsRawInbox.IsEmpty)
        {
            Wake(); // more next round; the sockets get their turn first
        }
    }

    private readonly record struct TlsRawItem(TlsConnection Connection, byte[]? Buffer, int Length, bool Drained);
}
