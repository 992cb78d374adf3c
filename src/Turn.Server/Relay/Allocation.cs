using Turn.Protocol;
using Turn.Security;
using Turn.Server.Auth;

namespace Turn.Server.Relay;

/// <summary>
/// One allocation (RFC 8656 §2.2): relayed transport address(es), lifetime, permissions and
/// channel bindings. Owned by the worker that received the Allocate; only that thread touches it.
/// Permissions and channels live in small arrays: a client has a handful, and a linear scan over
/// a few structs is faster than hashing on the per-packet path.
/// </summary>
internal sealed class Allocation
{
    private Permission[] _permissions = new Permission[4];
    private ChannelBinding[] _channels = new ChannelBinding[2];

    public Allocation(in PacketContext client, SessionCredentials? session, long maxBps, long nowMs)
    {
        Client = client;
        Key = FiveTuple.Of(client);
        Session = session;
        ToPeer = new RateLimiter(maxBps, nowMs);
        ToClient = new RateLimiter(maxBps, nowMs);
    }

    public FiveTuple Key { get; }

    /// <summary>How to reach the client (listener or connection).</summary>
    public PacketContext Client { get; }

    /// <summary>The user and key fixed at creation; null without authentication.</summary>
    public SessionCredentials? Session { get; }

    public RelayEndpoint? IPv4 { get; set; }

    public RelayEndpoint? IPv6 { get; set; }

    public long ExpiresAtMs { get; set; }

    public bool DontFragment { get; set; }

    /// <summary>RFC 6062: a TCP allocation's peer data connections; null for a UDP allocation.</summary>
    public TcpRelayConnections? Tcp { get; init; }

    /// <summary>Bytes/s this allocation holds of the server's --bps-capacity (given back when it ends).</summary>
    public long ReservedBps { get; init; }

    /// <summary>RFC 8656 §7.2: a retransmitted Allocate gets the same answer.</summary>
    public byte[] AllocateTransactionId { get; } = new byte[Stun.TransactionIdLength];

    public byte[]? AllocateResponse { get; set; }

    public int PermissionCount { get; private set; }

    public int ChannelCount { get; private set; }

    public RateLimiter ToPeer;

    public RateLimiter ToClient;

    /// <summary>Id in status reports (coturn's session id).</summary>
    public ulong Id { get; init; }

    /// <summary>The session's realm: its quotas and status reports are that realm's.</summary>
    public string Realm { get; init; } = string.Empty;

    /// <summary>Packets and bytes relayed (coturn's rcvp/rcvb/sentp/sentb), added to on the relay path.</summary>
    public TrafficCounters Traffic;

    /// <summary><see cref="Traffic"/> as of the last traffic report.</summary>
    public TrafficCounters ReportedTraffic;

    public RelayEndpoint? RelayFor(in StunAddress peer) => peer.IsIPv4 ? IPv4 : IPv6;

    public bool HasPermission(in StunAddress peer, long nowMs)
    {
        Permission[] permissions = _permissions;
        for (int i = 0; i < PermissionCount; i++)
        {
            if (permissions[i].PeerIp.EqualsAddress(peer))
            {
                return permissions[i].ExpiresAtMs > nowMs;
            }
        }

        return false;
    }

    /// <summary>Installs or refreshes the permission for <paramref name="peer"/>'s IP (RFC 8656 §9.2).</summary>
    public void SetPermission(in StunAddress peer, long expiresAtMs)
    {
        for (int i = 0; i < PermissionCount; i++)
        {
            if (_permissions[i].PeerIp.EqualsAddress(peer))
            {
                _permissions[i].ExpiresAtMs = expiresAtMs;
                return;
            }
        }

        if (PermissionCount == _permissions.Length)
        {
            Array.Resize(ref _permissions, _permissions.Length * 2);
        }

        _permissions[PermissionCount++] = new Permission { PeerIp = peer.WithPort(0), ExpiresAtMs = expiresAtMs };
    }

    /// <summary>The peer bound to <paramref name="number"/>, if bound and not expired.</summary>
    public bool TryGetChannelPeer(ushort number, long nowMs, out StunAddress peer)
    {
        ChannelBinding[] channels = _channels;
        for (int i = 0; i < ChannelCount; i++)
        {
            if (channels[i].Number == number && channels[i].ExpiresAtMs > nowMs)
            {
                peer = channels[i].Peer;
                return true;
            }
        }

        peer = default;
        return false;
    }

    /// <summary>The channel bound to <paramref name="peer"/> (IP and port), or 0.</summary>
    public ushort ChannelFor(in StunAddress peer, long nowMs)
    {
        ChannelBinding[] channels = _channels;
        for (int i = 0; i < ChannelCount; i++)
        {
            if (channels[i].ExpiresAtMs > nowMs && channels[i].Peer.EqualsAddress(peer) && channels[i].Peer.Port == peer.Port)
            {
                return channels[i].Number;
            }
        }

        return 0;
    }

    /// <summary>
    /// RFC 8656 §12.2: a number may be bound to one peer and a peer to one number; rebinding the
    /// same pair refreshes it. Returns false on a conflict (400).
    /// </summary>
    public bool TryBindChannel(ushort number, in StunAddress peer, long expiresAtMs)
    {
        for (int i = 0; i < ChannelCount; i++)
        {
            ref ChannelBinding c = ref _channels[i];
            bool sameNumber = c.Number == number;
            bool samePeer = c.Peer.EqualsAddress(peer) && c.Peer.Port == peer.Port;
            if (sameNumber && samePeer)
            {
                c.ExpiresAtMs = expiresAtMs;
                return true;
            }

            if (sameNumber || samePeer)
            {
                return false;
            }
        }

        if (ChannelCount == _channels.Length)
        {
            Array.Resize(ref _channels, _channels.Length * 2);
        }

        _channels[ChannelCount++] = new ChannelBinding { Number = number, Peer = peer, ExpiresAtMs = expiresAtMs };
        return true;
    }

    /// <summary>
    /// Drops the permissions and channel bindings <paramref name="filter"/> refuses (the peer policy changed) and returns
    /// how many. A permission refused only as <see cref="PeerDecision.LocalInterface"/> is kept: that rule depends on the
    /// port, and every packet to the peer is checked with its port.
    /// </summary>
    public int RevokeRefusedPeers(PeerAddressFilter filter)
    {
        int kept = 0;
        for (int i = 0; i < PermissionCount; i++)
        {
            PeerDecision decision = filter.Check(_permissions[i].PeerIp);
            if (decision is PeerDecision.Allowed or PeerDecision.LocalInterface)
            {
                _permissions[kept++] = _permissions[i];
            }
        }

        int removed = PermissionCount - kept;
        PermissionCount = kept;
        kept = 0;
        for (int i = 0; i < ChannelCount; i++)
        {
            if (filter.IsAllowed(_channels[i].Peer))
            {
                _channels[kept++] = _channels[i];
            }
        }

        removed += ChannelCount - kept;
        ChannelCount = kept;
        return removed;
    }

    /// <summary>
    /// Drops expired permissions, and channels whose binding ended more than five minutes ago
    /// (RFC 8656 §12: the number and peer stay tied to each other for that long).
    /// </summary>
    public void Sweep(long nowMs)
    {
        int kept = 0;
        for (int i = 0; i < PermissionCount; i++)
        {
            if (_permissions[i].ExpiresAtMs > nowMs)
            {
                _permissions[kept++] = _permissions[i];
            }
        }

        PermissionCount = kept;
        kept = 0;
        for (int i = 0; i < ChannelCount; i++)
        {
            if (_channels[i].ExpiresAtMs + 300_000 > nowMs)
            {
                _channels[kept++] = _channels[i];
            }
        }

        ChannelCount = kept;
    }
}
