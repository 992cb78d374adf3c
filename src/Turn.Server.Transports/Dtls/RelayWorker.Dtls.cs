using System.Runtime.CompilerServices;
using Turn.Protocol;
using Turn.Server.Dtls;
using Turn.Server.Engine;
using Turn.Server.Transports.Dtls;

namespace Turn.Server.Transports;

/// <summary>
/// The DTLS side of a worker (TURN over DTLS, RFC 8656 §3.1 / RFC 7350). Datagrams whose first
/// byte is 20..63 on any of the worker's UDP listeners are DTLS records (RFC 7983 §7).
/// <list type="bullet">
/// <item>No session for the client: only a ClientHello is looked at. Without a valid cookie it is
/// answered with a HelloVerifyRequest and forgotten (RFC 6347 §4.2.1): spoofed ClientHellos cost one
/// HMAC and one small datagram, and nothing is kept or allocated. With a valid cookie, and within the
/// bounds on sessions, a session is created and its handshake started on a handshake thread.</item>
/// <item>Handshaking: the client's datagrams are queued (copied) for the handshake thread.</item>
/// <item>Established: each record is authenticated and decrypted here, on the worker that owns the
/// 5-tuple, into a worker buffer, and the STUN/ChannelData inside goes to the engine; the engine's
/// answers come back through <see cref="DtlsSend"/> and are sealed into another worker buffer.
/// Nothing is allocated per packet and nothing is locked.</item>
/// </list>
/// A close_notify or fatal alert, an idle timeout, or shutdown ends a session and the allocation
/// made through it (engine.OnClientClosed).
/// </summary>
public sealed unsafe partial class RelayWorker
{
    private const long FlightResendIntervalMs = 250;

    private readonly Dictionary<DtlsPeer, DtlsSession> _dtlsByPeer = [];
    private readonly Stack<int> _freeDtlsIds = new();
    private DtlsServerContext? _dtls;
    private DtlsSession?[] _dtlsSessions = new DtlsSession?[16];
    private int _nextDtlsId;
    private int _dtlsCount;
    private byte[] _dtlsOpen = [];
    private byte[] _dtlsSeal = [];

    /// <summary>DTLS (null = off, the default): set before <see cref="Start"/>; shared by every worker.</summary>
    public DtlsServerContext? Dtls
    {
        get => _dtls;
        set
        {
            _dtls = value;
            if (value is not null && _dtlsOpen.Length == 0)
            {
                _dtlsOpen = GC.AllocateUninitializedArray<byte>(DtlsWire.MaxPlaintext + 256, pinned: true);
                _dtlsSeal = GC.AllocateUninitializedArray<byte>(DtlsWire.MaxPlaintext + DtlsRecordProtection.MaxOverhead + 256, pinned: true);
            }
        }
    }

    /// <summary>DTLS sessions on this worker, handshaking or established (read from other threads for statistics and tests).</summary>
    public int DtlsSessionCount => Volatile.Read(ref _dtlsCount);

    /// <summary>
    /// The hook in the listener drain: true when <paramref name="datagram"/> was a DTLS record and
    /// has been dealt with here; false (DTLS off, or not a DTLS record) leaves it to the engine.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryDtlsDatagram(TurnEngine engine, int listener, in StunAddress client, in StunAddress local, ReadOnlySpan<byte> datagram) =>
        _dtls is not null && DtlsWire.LooksLikeDtls(datagram) && OnDtlsDatagram(engine, _dtls, listener, client, local, datagram);

    private bool OnDtlsDatagram(TurnEngine engine, DtlsServerContext dtls, int listener, in StunAddress client, in StunAddress local, ReadOnlySpan<byte> datagram)
    {
        var peer = new DtlsPeer(client, listener);
        if (_dtlsByPeer.TryGetValue(peer, out DtlsSession? session))
        {
            if (session.IsEstablished)
            {
                ReadRecords(engine, dtls, session, local, datagram);
            }
            else
            {
                session.Handshake.Offer(datagram); // full queue: dropped, the client retransmits
            }

            return true;
        }

        if (ClientHelloView.TryRead(datagram, out ClientHelloView hello))
        {
            OnClientHello(engine, dtls, peer, local, hello);
        }

        return true; // anything else from a client without a session is dropped (RFC 6347 §4.1.2.7)
    }

    /// <summary>A ClientHello from a client without a (current) session: HelloVerifyRequest, or a new session when the cookie is valid.</summary>
    private void OnClientHello(TurnEngine engine, DtlsServerContext dtls, DtlsPeer peer, in StunAddress local, in ClientHelloView hello)
    {
        long now = engine.NowMs;
        if (!dtls.Cookies.IsValid(hello, peer.Client, now))
        {
            Span<byte> answer = stackalloc byte[DtlsCookieGuard.HelloVerifyRequestLength];
            int length = dtls.Cookies.WriteHelloVerifyRequest(hello, peer.Client, now, answer);
            SendTo((int)_listeners[peer.Listener].Handle, peer.Client, answer[..length]);
            return;
        }

        // Over a bound (handshakes in all or from this source, sessions): refused before anything is
        // made for it; the client's retransmissions may find room later.
        if (_stopping || !dtls.TryEnterHandshake(peer.Client))
        {
            return;
        }

        if (!dtls.TryAddSession(peer.Client))
        {
            dtls.ExitHandshake(peer.Client);
            return;
        }

        StartDtlsSession(dtls, peer, local, hello, now);
    }

    // Apart from OnClientHello: the closure below is allocated on entry to the method that declares what it captures.
    private void StartDtlsSession(DtlsServerContext dtls, DtlsPeer peer, in StunAddress local, in ClientHelloView hello, long now)
    {
        int id = _freeDtlsIds.Count > 0 ? _freeDtlsIds.Pop() : _nextDtlsId++;
        if (id >= _dtlsSessions.Length)
        {
            Array.Resize(ref _dtlsSessions, _dtlsSessions.Length * 2);
        }

        var handshake = new DtlsHandshake(dtls, new DtlsListenerSender((int)_listeners[peer.Listener].Handle, peer.Client), hello, peer.Client);
        var session = new DtlsSession(peer, id, local, handshake, now);
        _dtlsSessions[id] = session;
        _dtlsByPeer[peer] = session;
        Interlocked.Increment(ref _dtlsCount);
        if (!handshake.TryStart(h => Post(() => OnDtlsHandshakeDone(session))))
        {
            RemoveDtls(session); // no thread for it: forget it, the client retries
            return;
        }

        if (_log.IsDebugEnabled)
        {
            _log.Debug($"DTLS handshake with {peer.Client} started");
        }
    }

    /// <summary>Back on the worker after the handshake thread ended.</summary>
    private void OnDtlsHandshakeDone(DtlsSession session)
    {
        DtlsHandshake handshake = session.Handshake;
        if (!IsCurrent(session))
        {
            handshake.Protection?.Dispose(); // the session was closed meanwhile
            return;
        }

        if (handshake.Protection is not { } protection)
        {
            if (_log.IsDebugEnabled)
            {
                _log.Debug($"DTLS handshake with {session.Client} failed: {handshake.Failure}");
            }

            RemoveDtls(session);
            return;
        }

        session.Protection = protection;
        session.LastActivityMs = Engine.NowMs;
        if (_log.IsDebugEnabled)
        {
            _log.Debug($"DTLS session with {session.Client}: DTLS {(protection.Version == DtlsWire.Dtls12 ? "1.2" : "1.0")}, {protection.Suite.OpenSslName}");
        }

        // What the client sent while the handshake thread was finishing (its first requests, typically).
        while (handshake.TryTakeQueued(out byte[] datagram) && IsCurrent(session))
        {
            ReadRecords(Engine, _dtls!, session, session.Context.Local, datagram);
        }
    }

    /// <summary>Every record of a datagram from an established session.</summary>
    private void ReadRecords(TurnEngine engine, DtlsServerContext dtls, DtlsSession session, in StunAddress local, ReadOnlySpan<byte> datagram)
    {
        DtlsRecordProtection protection = session.Protection!;
        while (DtlsWire.TryReadRecord(datagram, out DtlsRecordHeader header, out int recordLength))
        {
            ReadOnlySpan<byte> record = datagram[..recordLength];
            datagram = datagram[recordLength..];
            if (header.Epoch == protection.Epoch && header.ContentType is DtlsWire.ApplicationData or DtlsWire.Alert)
            {
                if (!protection.TryOpen(header, record, _dtlsOpen, out int length))
                {
                    continue; // forged, replayed or damaged: dropped silently (RFC 6347 §4.1.2.7)
                }

                session.LastActivityMs = engine.NowMs;
                if (header.ContentType == DtlsWire.ApplicationData)
                {
                    engine.OnClientPacket(_dtlsOpen.AsSpan(0, length), session.Context);
                }
                else if (length >= 2 && (_dtlsOpen[0] == 2 || _dtlsOpen[1] == 0))
                {
                    // A fatal alert, or close_notify (answered in kind, RFC 5246 §7.2.1): the session ends.
                    CloseDtls(engine, session, sendCloseNotify: _dtlsOpen[1] == 0);
                }

                if (!IsCurrent(session))
                {
                    return;
                }
            }
            else if (header.Epoch == 0 && ClientHelloView.TryRead(record, out ClientHelloView hello))
            {
                if (!hello.Random.SequenceEqual(session.Handshake.ClientRandom))
                {
                    // A new connection from the same address and port (a restarted client): with a valid
                    // cookie it replaces this session; otherwise it gets a HelloVerifyRequest.
                    if (dtls.Cookies.IsValid(hello, session.Client, engine.NowMs))
                    {
                        CloseDtls(engine, session, sendCloseNotify: false);
                    }

                    OnClientHello(engine, dtls, session.Peer, local, hello);
                    return;
                }
            }
            else if (header.ContentType is DtlsWire.Handshake or DtlsWire.ChangeCipherSpec)
            {
                // The client repeats its last flight: our Finished was lost (RFC 6347 §4.2.4).
                ResendFinalFlight(session, engine.NowMs);
            }
        }
    }

    private void ResendFinalFlight(DtlsSession session, long now)
    {
        if (now - session.LastFlightResendMs < FlightResendIntervalMs)
        {
            return;
        }

        session.LastFlightResendMs = now;
        int fd = (int)_listeners[session.Peer.Listener].Handle;
        foreach (byte[] record in session.Handshake.FinalFlight)
        {
            SendTo(fd, session.Client, record);
        }
    }

    /// <summary>IRelayIo.SendToClient for TransportKind.Dtls: one record, sealed into the worker's buffer.</summary>
    private void DtlsSend(in PacketContext client, ReadOnlySpan<byte> data)
    {
        int id = client.SocketId;
        if ((uint)id < (uint)_nextDtlsId && _dtlsSessions[id] is { Protection: { } protection } session && session.Client == client.Client)
        {
            int length = protection.Seal(DtlsWire.ApplicationData, data, _dtlsSeal);
            if (length > 0)
            {
                SendTo((int)_listeners[session.Peer.Listener].Handle, session.Client, _dtlsSeal.AsSpan(0, length));
            }
        }
    }

    private bool IsCurrent(DtlsSession session) =>
        (uint)session.Id < (uint)_nextDtlsId && ReferenceEquals(_dtlsSessions[session.Id], session);

    /// <summary>Ends a session: its allocation goes with it; with <paramref name="sendCloseNotify"/> the client is told.</summary>
    private void CloseDtls(TurnEngine engine, DtlsSession session, bool sendCloseNotify)
    {
        if (!IsCurrent(session))
        {
            return;
        }

        RemoveDtls(session);
        if (session.Protection is not { } protection)
        {
            return; // the handshake thread stops at its next wait; nothing was given to the engine
        }

        try
        {
            if (sendCloseNotify)
            {
                ReadOnlySpan<byte> closeNotify = [1, 0]; // warning, close_notify (RFC 5246 §7.2.1)
                int length = protection.Seal(DtlsWire.Alert, closeNotify, _dtlsSeal);
                SendTo((int)_listeners[session.Peer.Listener].Handle, session.Client, _dtlsSeal.AsSpan(0, length));
            }

            engine.OnClientClosed(session.Context);
        }
        finally
        {
            protection.Dispose();
        }
    }

    private void RemoveDtls(DtlsSession session)
    {
        _dtlsSessions[session.Id] = null;
        _freeDtlsIds.Push(session.Id);
        _dtlsByPeer.Remove(session.Peer);
        Interlocked.Decrement(ref _dtlsCount);
        session.Handshake.Abort();
        _dtls?.RemoveSession(session.Client);
    }

    /// <summary>The once-a-second sweep: idle sessions without an allocation, and handshakes whose thread never reported.</summary>
    private void CloseIdleDtls(TurnEngine engine, long now)
    {
        if (_dtls is not { } dtls)
        {
            return;
        }

        long handshakeLimit = (long)dtls.Options.HandshakeTimeout.TotalMilliseconds + 10_000;
        for (int id = 0; id < _nextDtlsId; id++)
        {
            if (_dtlsSessions[id] is not { } session)
            {
                continue;
            }

            if (!session.IsEstablished ? now - session.CreatedMs > handshakeLimit
                : now - session.LastActivityMs > dtls.Options.IdleTimeoutMs && !engine.HasAllocation(session.Context))
            {
                if (_log.IsDebugEnabled)
                {
                    _log.Debug($"DTLS session with {session.Client} closed: idle");
                }

                CloseDtls(engine, session, sendCloseNotify: true);
            }
        }
    }

    private void CloseAllDtls(TurnEngine engine)
    {
        for (int id = 0; id < _nextDtlsId; id++)
        {
            if (_dtlsSessions[id] is { } session)
            {
                CloseDtls(engine, session, sendCloseNotify: true);
            }
        }
    }
}
