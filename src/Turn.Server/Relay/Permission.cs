using Turn.Protocol;

namespace Turn.Server.Relay;

/// <summary>A permission: a peer IP address (any port) and when it ends (RFC 8656 §9).</summary>
internal struct Permission
{
    public StunAddress PeerIp; // port always 0
    public long ExpiresAtMs;
}

/// <summary>A channel binding: number ↔ peer transport address, and when it ends (RFC 8656 §12).</summary>
internal struct ChannelBinding
{
    public ushort Number;
    public StunAddress Peer;
    public long ExpiresAtMs;
}
