using System.Security.Cryptography;
using Turn.Protocol;
using Turn.Server.Auth;
using Turn.Server.Relay;

namespace Turn.Server.Engine;

/// <summary>
/// RFC 6062 (TURN extensions for TCP allocations): Connect, ConnectionBind, ConnectionAttempt and the
/// life of peer data connections. The engine decides (permissions, the peer filter, limits, time-outs,
/// who may bind what); the transport owns the sockets and moves the bytes, which never pass through here.
/// </summary>
public sealed partial class TurnEngine
{
    /// <summary>RFC 6062 §5.2: how long a connection to a peer may take ("at least 30 seconds") before 447.</summary>
    public const long TcpConnectTimeoutMs = 30_000;

    /// <summary>RFC 6062 §5.2/§5.3: how long a peer data connection waits for the client's ConnectionBind.</summary>
    public const long TcpBindTimeoutMs = 30_000;

    /// <summary>Peer data connections one TCP allocation may have at once (beyond: 508 to a Connect, peers refused).</summary>
    public const int MaxTcpConnectionsPerAllocation = TcpRelayConnections.MaxPerAllocation;

    private readonly Dictionary<uint, TcpRelayConnection> _tcpById = [];
    private readonly Dictionary<int, TcpRelayConnection> _tcpByHandle = [];

    /// <summary>Peer data connections of this worker's TCP allocations, in any state.</summary>
    public int TcpConnectionCount => _tcpById.Count;

    /// <summary>Connect request: RFC 6062 §5.2.</summary>
    private void OnConnect(in StunMessage request, ReadOnlySpan<byte> packet, in PacketContext context)
    {
        // A TCP allocation only exists on a TCP/TLS control connection.
        if (!context.IsStream)
        {
            Error(request, context, StunErrorCode.BadRequest, null);
            return;
        }

        _allocations.TryGetValue(FiveTuple.Of(context), out Allocation? allocation);
        if (!TryAuthenticate(request, packet, context, allocation, out SessionCredentials? session))
        {
            return;
        }

        if (allocation is null)
        {
            Error(request, context, StunErrorCode.AllocationMismatch, session);
            return;
        }

        if (!IsOriginConsistent(request, context, allocation, session))
        {
            return;
        }

        if (allocation.Tcp is not { } connections)
        {
            // A UDP allocation: coturn answers 403 ("Connect cannot be used with UDP relay").
            Error(request, context, StunErrorCode.Forbidden, session);
            return;
        }

        // XOR-PEER-ADDRESS: 400 if missing or unreadable, 443 without a relay of its family, 403 when the
        // peer filter refuses it ("forbidden by local policy"). Connect needs no permission (§5.2) and
        // installs none, as coturn does.
        if (!request.TryGetAttribute(StunAttributeType.XorPeerAddress, out ReadOnlySpan<byte> peerValue))
        {
            Error(request, context, StunErrorCode.BadRequest, session);
            return;
        }

        int code = CheckPeer(peerValue, request, context, allocation, out StunAddress peer);
        if (code != 0)
        {
            Error(request, context, code, session);
            return;
        }

        // §5.2: a connection to this peer is being made, waits for its bind or is bound: 446.
        if (connections.To(peer) is not null)
        {
            Error(request, context, StunErrorCode.ConnectionAlreadyExists, session);
            return;
        }

        if (connections.Count >= TcpRelayConnections.MaxPerAllocation)
        {
            Error(request, context, StunErrorCode.InsufficientCapacity, session);
            return;
        }

        RelayEndpoint relay = allocation.RelayFor(peer)!;
        if (!_io.TryConnectTcpPeer(relay.RelayId, peer, out int handle))
        {
            Error(request, context, StunErrorCode.ConnectionTimeoutOrFailure, session);
            return;
        }

        Track(new TcpRelayConnection(NewConnectionId(), handle, allocation, peer, TcpRelayState.Connecting, NowMs + TcpConnectTimeoutMs)
        {
            ConnectTransactionId = request.TransactionId.ToArray(),
            ConnectFingerprint = request.HasFingerprint,
            ConnectSha256 = request.HasMessageIntegritySha256,
        });
    }

    /// <summary>The transport's connection to a peer (from a Connect) succeeded or failed: answer the Connect (RFC 6062 §5.2).</summary>
    public void OnTcpPeerConnected(int connection, bool connected)
    {
        if (!_tcpByHandle.TryGetValue(connection, out TcpRelayConnection? c) || c.State != TcpRelayState.Connecting)
        {
            return;
        }

        if (!connected)
        {
            Forget(c);
            _io.CloseTcpPeer(connection);
            AnswerConnect(c, StunErrorCode.ConnectionTimeoutOrFailure);
            return;
        }

        // §5.2: from now on what the peer sends is held until the client binds a data connection.
        c.State = TcpRelayState.AwaitingBind;
        c.DeadlineMs = NowMs + TcpBindTimeoutMs;
        AnswerConnect(c, 0);
    }

    /// <summary>
    /// A peer connected to a TCP relay (RFC 6062 §5.3). Kept only if the allocation has a permission for
    /// the peer's IP (and the peer filter allows it); then the client hears of it in a ConnectionAttempt
    /// indication and has 30 s to bind a data connection to it.
    /// </summary>
    public void OnTcpPeerAccepted(int relayId, in StunAddress peerAddress, int connection)
    {
        Allocation? allocation = (uint)relayId < (uint)_byRelay.Length ? _byRelay[relayId] : null;
        StunAddress peer = Security.PeerAddress.Canonicalize(peerAddress);
        if (allocation?.Tcp is not { } connections
            || !PeerAllowed(peer, StunMethod.ConnectionAttempt, allocation.Client)
            || (!_options.ServerRelay && !allocation.HasPermission(peer, NowMs))
            || connections.To(peer) is not null
            || connections.Count >= TcpRelayConnections.MaxPerAllocation)
        {
            if (_services.Log.IsDebugEnabled)
            {
                _services.Log.Debug($"TCP connection from peer {peer} to relay {relayId} closed: no permission, filtered, duplicate or over the limit");
            }

            _io.CloseTcpPeer(connection);
            return;
        }

        var c = new TcpRelayConnection(NewConnectionId(), connection, allocation, peer, TcpRelayState.AwaitingBind, NowMs + TcpBindTimeoutMs);
        Track(c);

        // ConnectionAttempt indication: CONNECTION-ID and XOR-PEER-ADDRESS (§5.3), on the control connection.
        Span<byte> transactionId = stackalloc byte[Stun.TransactionIdLength];
        RandomNumberGenerator.Fill(transactionId);
        var w = new StunMessageWriter(_response);
        w.WriteHeader(StunMethod.ConnectionAttempt, StunClass.Indication, transactionId);
        w.AddConnectionId(c.Id);
        w.AddXorAddress(StunAttributeType.XorPeerAddress, peer);
        if (_options.Stun.Software is { } software)
        {
            w.AddSoftware(software);
        }

        if (_options.Stun.AlwaysFingerprint)
        {
            w.AddFingerprint();
        }

        if (!w.Overflowed)
        {
            _io.SendToClient(allocation.Client, w.Written);
        }
    }

    /// <summary>The transport closed a peer data connection (the peer or the client data connection ended, or failed).</summary>
    public void OnTcpPeerClosed(int connection)
    {
        if (_tcpByHandle.TryGetValue(connection, out TcpRelayConnection? c))
        {
            Forget(c);
        }
    }

    /// <summary>
    /// ConnectionBind request: RFC 6062 §5.4. It arrives on a new client connection, which the listener may
    /// have given to any worker: the CONNECTION-ID's top byte names the worker that owns the allocation,
    /// and the connection moves there first. The request is authenticated as the allocation's own requests
    /// are (same user and key, else 441).
    /// </summary>
    private void OnConnectionBind(in StunMessage request, ReadOnlySpan<byte> packet, in PacketContext context)
    {
        // Over TCP/TLS only, and never on a control connection (coturn: "cannot be issued after allocation").
        if (!context.IsStream || _allocations.ContainsKey(FiveTuple.Of(context)))
        {
            Error(request, context, StunErrorCode.BadRequest, null);
            return;
        }

        if (!request.TryGetAttribute(StunAttributeType.ConnectionId, out ReadOnlySpan<byte> idValue)
            || !StunAttributeReader.TryReadConnectionId(idValue, out uint id))
        {
            Error(request, context, StunErrorCode.BadRequest, null);
            return;
        }

        int owner = (int)(id >> 24);
        if (owner != _io.WorkerIndex && _io.TryHandOver(context, packet, owner))
        {
            return; // the owning worker's engine answers
        }

        // Only a connection waiting for its bind can be bound; anything else is "no such pending connection".
        _tcpById.TryGetValue(id, out TcpRelayConnection? c);
        if (c is not { State: TcpRelayState.AwaitingBind })
        {
            c = null;
        }

        if (!TryAuthenticate(request, packet, context, c?.Allocation, out SessionCredentials? session))
        {
            return;
        }

        if (c is null)
        {
            Error(request, context, StunErrorCode.BadRequest, session);
            return;
        }

        // The answer goes out first: after the bind the connection carries the peer's bytes only.
        var w = Begin(request, StunClass.SuccessResponse);
        Finish(ref w, request, context, session);
        if (!_io.TryBindTcpClient(context, packet, c.Handle))
        {
            Forget(c);
            _io.CloseTcpPeer(c.Handle);
            return;
        }

        c.State = TcpRelayState.Bound;
        c.DeadlineMs = long.MaxValue;
        if (_services.Log.IsDebugEnabled)
        {
            _services.Log.Debug($"TCP relay connection {c.Id:x8} between peer {c.Peer} and client {context.Client} bound");
        }
    }

    /// <summary>The late answer to a Connect (success with CONNECTION-ID, or an error), signed like the request.</summary>
    private void AnswerConnect(TcpRelayConnection c, int errorCode)
    {
        Allocation allocation = c.Allocation;
        var w = new StunMessageWriter(_response);
        w.WriteHeader(StunMethod.Connect, errorCode == 0 ? StunClass.SuccessResponse : StunClass.ErrorResponse, c.ConnectTransactionId);
        if (errorCode == 0)
        {
            w.AddConnectionId(c.Id);
        }
        else
        {
            Counters.ErrorResponses++;
            w.AddErrorCode(errorCode);
        }

        if (_options.Stun.Software is { } software)
        {
            w.AddSoftware(software);
        }

        if (allocation.Session is { } session)
        {
            Authenticator.AddIntegrity(ref w, session, c.ConnectSha256);
        }

        if (c.ConnectFingerprint || _options.Stun.AlwaysFingerprint)
        {
            w.AddFingerprint();
        }

        if (!w.Overflowed)
        {
            _io.SendToClient(allocation.Client, w.Written);
        }
    }

    /// <summary>Time-outs (RFC 6062 §5.2, §5.3): a connect still pending gets 447, an unbound connection is closed.</summary>
    private void SweepTcpConnections()
    {
        if (_tcpById.Count == 0)
        {
            return;
        }

        List<TcpRelayConnection>? due = null;
        foreach (TcpRelayConnection c in _tcpById.Values)
        {
            if (c.DeadlineMs <= NowMs)
            {
                (due ??= []).Add(c);
            }
        }

        if (due is null)
        {
            return;
        }

        foreach (TcpRelayConnection c in due)
        {
            Forget(c);
            _io.CloseTcpPeer(c.Handle);
            if (c.State == TcpRelayState.Connecting)
            {
                AnswerConnect(c, StunErrorCode.ConnectionTimeoutOrFailure);
            }
            else if (_services.Log.IsDebugEnabled)
            {
                _services.Log.Debug($"TCP relay connection {c.Id:x8} to peer {c.Peer} closed: no ConnectionBind within {TcpBindTimeoutMs / 1000} s");
            }
        }
    }

    /// <summary>An allocation ends: its peer data connections (and their client data connections) end with it.</summary>
    private void CloseTcpConnections(Allocation allocation)
    {
        if (allocation.Tcp is not { Count: > 0 } connections)
        {
            return;
        }

        foreach (TcpRelayConnection c in connections.All.ToArray())
        {
            Forget(c);
            _io.CloseTcpPeer(c.Handle);
        }
    }

    private void Track(TcpRelayConnection c)
    {
        _tcpById[c.Id] = c;
        _tcpByHandle[c.Handle] = c;
        c.Allocation.Tcp!.Add(c);
    }

    private void Forget(TcpRelayConnection c)
    {
        _tcpById.Remove(c.Id);
        _tcpByHandle.Remove(c.Handle);
        c.Allocation.Tcp?.Remove(c);
    }

    /// <summary>
    /// A fresh CONNECTION-ID: this worker's number in the top byte (so any worker can route a ConnectionBind), 24 bits
    /// from the CSPRNG, so a client cannot predict another's id (coturn CVE-2025-69217 was predictable randomness).
    /// </summary>
    private uint NewConnectionId()
    {
        uint worker = (uint)(_io.WorkerIndex & 0xFF) << 24;
        while (true)
        {
            uint id = worker | (uint)RandomNumberGenerator.GetInt32(0x100_0000);
            if (id != 0 && !_tcpById.ContainsKey(id))
            {
                return id;
            }
        }
    }
}
