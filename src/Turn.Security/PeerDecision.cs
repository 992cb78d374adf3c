namespace Turn.Security;

/// <summary>The outcome of <see cref="PeerAddressFilter.Check"/>: <see cref="Allowed"/> or why the peer is refused.</summary>
/// <remarks>
/// The default value (<see cref="Invalid"/>) is a refusal, so a forgotten assignment fails closed. A 6to4, Teredo or
/// NAT64 local-use peer refused because of the IPv4 address it leads to gets that address's reason (a 6to4 address
/// around 127.0.0.1 is <see cref="Loopback"/>). <see cref="DefaultDeniedRanges"/> lists the ranges behind each reason.
/// </remarks>
public enum PeerDecision
{
    /// <summary>Not an IPv4/IPv6 address (the empty <c>StunAddress</c>).</summary>
    Invalid = 0,

    /// <summary>The peer may be used.</summary>
    Allowed,

    /// <summary>"This network" <c>0.0.0.0/8</c> or the unspecified <c>::</c> (always refused; CVE-2020-26262).</summary>
    Unspecified,

    /// <summary><c>127.0.0.0/8</c> or <c>::1</c>, and neither allow-loopback-peers nor an allowed-peer-ip range opens it.</summary>
    Loopback,

    /// <summary><c>224.0.0.0/4</c> or <c>ff00::/8</c>, and no allowed-peer-ip range contains it (or no-multicast-peers is on).</summary>
    Multicast,

    /// <summary><c>255.255.255.255</c>, the limited broadcast address (always refused).</summary>
    Broadcast,

    /// <summary><c>240.0.0.0/4</c> (reserved, "class E"), and no allowed-peer-ip range contains it (or no-multicast-peers is on).</summary>
    Reserved,

    /// <summary>A <c>denied-peer-ip</c> range contains the peer and no <c>allowed-peer-ip</c> range does.</summary>
    DeniedRange,

    /// <summary>Link-local <c>169.254.0.0/16</c> (cloud metadata services) or <c>fe80::/10</c>, and no allowed-peer-ip range contains it.</summary>
    LinkLocal,

    /// <summary>Unique local <c>fc00::/7</c> (RFC 4193), and no allowed-peer-ip range contains it.</summary>
    UniqueLocal,

    /// <summary>Deprecated site-local <c>fec0::/10</c> (RFC 3879), and no allowed-peer-ip range contains it.</summary>
    SiteLocal,

    /// <summary>
    /// An address of this machine (an interface address or an external-ip), on a port that is not one of this
    /// server's live relay ports, and no allowed-peer-ip range contains it.
    /// </summary>
    LocalInterface,

    /// <summary>The IP and port of one of the configured databases (always refused, whatever the ranges say).</summary>
    DatabaseEndpoint,

    /// <summary>
    /// The peer policy could not be built (peer ranges from the database that do not parse): every peer is refused
    /// until a valid policy is in force (fail closed).
    /// </summary>
    PolicyUnavailable,
}
