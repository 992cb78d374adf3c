namespace Turn.Security;

/// <summary>The outcome of <see cref="PeerAddressFilter.Check"/>: <see cref="Allowed"/> or why the peer is refused.</summary>
/// <remarks>The default value (<see cref="Invalid"/>) is a refusal, so a forgotten assignment fails closed.</remarks>
public enum PeerDecision
{
    /// <summary>Not an IPv4/IPv6 address (the empty <c>StunAddress</c>).</summary>
    Invalid = 0,

    /// <summary>The peer may be used.</summary>
    Allowed,

    /// <summary>"This network" <c>0.0.0.0/8</c> or the unspecified <c>::</c> (always refused; CVE-2020-26262).</summary>
    Unspecified,

    /// <summary><c>127.0.0.0/8</c> or <c>::1</c> and loopback peers are not allowed.</summary>
    Loopback,

    /// <summary><c>224.0.0.0/4</c> or <c>ff00::/8</c> with no-multicast-peers.</summary>
    Multicast,

    /// <summary><c>255.255.255.255</c>, the limited broadcast address (always refused).</summary>
    Broadcast,

    /// <summary><c>240.0.0.0/4</c> (reserved, "class E") with no-multicast-peers, as coturn refuses every address above 223.x.</summary>
    Reserved,

    /// <summary>A <c>denied-peer-ip</c> range contains the peer and no <c>allowed-peer-ip</c> range does.</summary>
    DeniedRange,
}
