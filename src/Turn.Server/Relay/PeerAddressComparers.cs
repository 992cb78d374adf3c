using Turn.Protocol;

namespace Turn.Server.Relay;

/// <summary>
/// Peer keys of an allocation's hash tables. Both ignore the IPv6 scope id (the wire carries none)
/// and hash with <see cref="HashCode"/>, whose per-process random seed keeps a client that chooses
/// its peer addresses from making the tables degenerate.
/// </summary>
internal sealed class PeerIpComparer : IEqualityComparer<StunAddress>
{
    /// <summary>The one instance.</summary>
    public static readonly PeerIpComparer Instance = new();

    /// <summary>Same family and IP bytes; the port is ignored (a permission covers every port, RFC 8656 §9).</summary>
    public bool Equals(StunAddress x, StunAddress y) => x.EqualsAddress(y);

    public int GetHashCode(StunAddress obj) => obj.GetAddressHashCode();
}

/// <summary>IP and port: a channel is bound to one peer transport address (RFC 8656 §12).</summary>
internal sealed class PeerEndpointComparer : IEqualityComparer<StunAddress>
{
    /// <summary>The one instance.</summary>
    public static readonly PeerEndpointComparer Instance = new();

    public bool Equals(StunAddress x, StunAddress y) => x.EqualsAddress(y) && x.Port == y.Port;

    public int GetHashCode(StunAddress obj) => HashCode.Combine(obj.GetAddressHashCode(), obj.Port);
}
