using Turn.Protocol;
using Turn.Security;
using Turn.Server.Auth;

namespace Turn.Server.Relay;

/// <summary>
/// One allocation (RFC 8656 §2.2): relayed transport address(es), lifetime, permissions and
/// channel bindings. Owned by the worker that received the Allocate; only that thread touches it.
/// Permissions and channels are hash tables (a client chooses how many peers it names, up to the
/// configured caps), so every per-packet lookup costs the same and allocates nothing.
/// </summary>
internal sealed class Allocation
{
    // RFC 8656 §12: after a binding ends, its number and peer stay tied to each other this long.
    private const long ChannelQuarantineMs = 300_000;

    private readonly Dictionary<StunAddress, long> _permissions = new(PeerIpComparer.Instance); // peer IP → expiry
    private readonly Dictionary<ushort, ChannelBinding> _channelsByNumber = [];
    private readonly Dictionary<StunAddress, ChannelBinding> _channelsByPeer = new(PeerEndpointComparer.Instance);

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

    /// <summary>Permissions held, expired ones included until they are swept.</summary>
    public int PermissionCount => _permissions.Count;

    /// <summary>Channel bindings held, including those ended less than five minutes ago.</summary>
    public int ChannelCount => _channelsByNumber.Count;

    public RateLimiter ToPeer;

    public RateLimiter ToClient;

    /// <summary>Id in status reports (coturn's session id).</summary>
    public ulong Id { get; init; }

    /// <summary>The session's realm: its quotas and status reports are that realm's.</summary>
    public string Realm { get; init; } = string.Empty;

    /// <summary>check-origin-consistency: the canonical ORIGIN the Allocate carried; null when it had none.</summary>
    public string? Origin { get; init; }

    /// <summary>Packets and bytes relayed (coturn's rcvp/rcvb/sentp/sentb), added to on the relay path.</summary>
    public TrafficCounters Traffic;

    /// <summary><see cref="Traffic"/> as of the last traffic report.</summary>
    public TrafficCounters ReportedTraffic;

    public RelayEndpoint? RelayFor(in StunAddress peer) => peer.IsIPv4 ? IPv4 : IPv6;

    public bool HasPermission(in StunAddress peer, long nowMs) =>
        _permissions.TryGetValue(peer, out long expiresAtMs) && expiresAtMs > nowMs;

    /// <summary>Installs or refreshes the permission for <paramref name="peer"/>'s IP (RFC 8656 §9.2).</summary>
    public void SetPermission(in StunAddress peer, long expiresAtMs) => _permissions[peer.WithPort(0)] = expiresAtMs;

    /// <summary>Forgets expired permissions now rather than at the next sweep (a full table makes room).</summary>
    public void DropExpiredPermissions(long nowMs)
    {
        foreach ((StunAddress peer, long expiresAtMs) in _permissions)
        {
            if (expiresAtMs <= nowMs)
            {
                _permissions.Remove(peer);
            }
        }
    }

    /// <summary>The peer bound to <paramref name="number"/>, if bound and not expired.</summary>
    public bool TryGetChannelPeer(ushort number, long nowMs, out StunAddress peer)
    {
        if (_channelsByNumber.TryGetValue(number, out ChannelBinding? c) && c.ExpiresAtMs > nowMs)
        {
            peer = c.Peer;
            return true;
        }

        peer = default;
        return false;
    }

    /// <summary>The channel bound to <paramref name="peer"/> (IP and port), or 0.</summary>
    public ushort ChannelFor(in StunAddress peer, long nowMs) =>
        _channelsByPeer.TryGetValue(peer, out ChannelBinding? c) && c.ExpiresAtMs > nowMs ? c.Number : (ushort)0;

    /// <summary>
    /// RFC 8656 §12.2: a number may be bound to one peer and a peer to one number; rebinding the
    /// same pair refreshes it. A new binding beyond <paramref name="maxChannels"/> is refused.
    /// </summary>
    public ChannelBindResult TryBindChannel(ushort number, in StunAddress peer, long expiresAtMs, int maxChannels, long nowMs)
    {
        bool numberBound = _channelsByNumber.TryGetValue(number, out ChannelBinding? byNumber);
        bool peerBound = _channelsByPeer.TryGetValue(peer, out ChannelBinding? byPeer);
        if (numberBound || peerBound)
        {
            if (!ReferenceEquals(byNumber, byPeer))
            {
                return ChannelBindResult.Conflict;
            }

            byNumber!.ExpiresAtMs = expiresAtMs;
            return ChannelBindResult.Bound;
        }

        if (_channelsByNumber.Count >= maxChannels)
        {
            DropEndedChannels(nowMs);
            if (_channelsByNumber.Count >= maxChannels)
            {
                return ChannelBindResult.Full;
            }
        }

        var binding = new ChannelBinding(number, peer, expiresAtMs);
        _channelsByNumber.Add(number, binding);
        _channelsByPeer.Add(peer, binding);
        return ChannelBindResult.Bound;
    }

    /// <summary>
    /// Drops the permissions and channel bindings <paramref name="filter"/> refuses (the peer policy changed) and returns
    /// how many. A permission refused only as <see cref="PeerDecision.LocalInterface"/> is kept: that rule depends on the
    /// port, and every packet to the peer is checked with its port.
    /// </summary>
    public int RevokeRefusedPeers(PeerAddressFilter filter)
    {
        int removed = 0;
        foreach (StunAddress peer in _permissions.Keys)
        {
            PeerDecision decision = filter.Check(peer);
            if (decision is not (PeerDecision.Allowed or PeerDecision.LocalInterface))
            {
                _permissions.Remove(peer);
                removed++;
            }
        }

        foreach ((StunAddress peer, ChannelBinding binding) in _channelsByPeer)
        {
            if (!filter.IsAllowed(peer))
            {
                _channelsByPeer.Remove(peer);
                _channelsByNumber.Remove(binding.Number);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>
    /// Drops expired permissions, and channels whose binding ended more than five minutes ago
    /// (RFC 8656 §12: the number and peer stay tied to each other for that long).
    /// </summary>
    public void Sweep(long nowMs)
    {
        DropExpiredPermissions(nowMs);
        DropEndedChannels(nowMs);
    }

    private void DropEndedChannels(long nowMs)
    {
        foreach ((ushort number, ChannelBinding c) in _channelsByNumber)
        {
            if (c.ExpiresAtMs + ChannelQuarantineMs <= nowMs)
            {
                _channelsByNumber.Remove(number);
                _channelsByPeer.Remove(c.Peer);
            }
        }
    }
}
