using Turn.Protocol;

namespace Turn.Server.Relay;

/// <summary>Where a peer data connection of a TCP allocation stands (RFC 6062 §5.2–§5.4).</summary>
internal enum TcpRelayState : byte
{
    /// <summary>Connect received; the server's connection to the peer is being set up (447 on failure or after 30 s).</summary>
    Connecting,

    /// <summary>Connected (Connect answered or ConnectionAttempt sent); waiting 30 s for the client's ConnectionBind.</summary>
    AwaitingBind,

    /// <summary>A client data connection is bound: the transport moves bytes both ways.</summary>
    Bound,
}

/// <summary>
/// One peer data connection of a TCP allocation, as the engine sees it: its CONNECTION-ID, the peer,
/// the transport's handle for the socket, and the deadline of its current state. The bytes themselves
/// never pass through the engine.
/// </summary>
internal sealed class TcpRelayConnection
{
    public TcpRelayConnection(uint id, int handle, Allocation allocation, StunAddress peer, TcpRelayState state, long deadlineMs)
    {
        Id = id;
        Handle = handle;
        Allocation = allocation;
        Peer = peer;
        State = state;
        DeadlineMs = deadlineMs;
    }

    /// <summary>The CONNECTION-ID (RFC 6062 §6.2.1); its top byte names the worker that owns the allocation.</summary>
    public uint Id { get; }

    /// <summary>The transport's handle for the peer socket (and, once bound, the client data connection with it).</summary>
    public int Handle { get; }

    public Allocation Allocation { get; }

    /// <summary>The peer's transport address (IP and port).</summary>
    public StunAddress Peer { get; }

    public TcpRelayState State { get; set; }

    /// <summary>When the current state times out (connect or bind: 30 s); long.MaxValue once bound.</summary>
    public long DeadlineMs { get; set; }

    /// <summary>The Connect request being answered (client-initiated connections only), for the late response.</summary>
    public byte[]? ConnectTransactionId { get; init; }

    /// <summary>The Connect request carried FINGERPRINT (the answer does too).</summary>
    public bool ConnectFingerprint { get; init; }

    /// <summary>The Connect request was signed with MESSAGE-INTEGRITY-SHA256 (the answer is too).</summary>
    public bool ConnectSha256 { get; init; }
}

/// <summary>The peer data connections of one TCP allocation (RFC 6062); a handful at most, scanned linearly.</summary>
internal sealed class TcpRelayConnections
{
    /// <summary>Peer data connections an allocation may have at once (connecting, waiting for a bind, or bound).</summary>
    public const int MaxPerAllocation = 64;

    private readonly List<TcpRelayConnection> _connections = [];

    public int Count => _connections.Count;

    public IReadOnlyList<TcpRelayConnection> All => _connections;

    public void Add(TcpRelayConnection connection) => _connections.Add(connection);

    public void Remove(TcpRelayConnection connection) => _connections.Remove(connection);

    /// <summary>The connection to <paramref name="peer"/> (IP and port), whatever its state, or null.</summary>
    public TcpRelayConnection? To(in StunAddress peer)
    {
        foreach (TcpRelayConnection c in _connections)
        {
            if (c.Peer.EqualsAddress(peer) && c.Peer.Port == peer.Port)
            {
                return c;
            }
        }

        return null;
    }
}
