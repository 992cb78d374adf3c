namespace Turn.Security;

/// <summary>What, in the configuration, lets peers of a <see cref="DefaultDeniedRange"/> through.</summary>
public enum DeniedRangeOpener
{
    /// <summary>Nothing: refused whatever the configuration says (no deployment can use them as a peer).</summary>
    Nothing,

    /// <summary>allow-loopback-peers only, as in coturn 4.6.1 (denied-peer-ip ranges still apply then).</summary>
    AllowLoopbackPeers,

    /// <summary>An allowed-peer-ip range that contains the peer.</summary>
    AllowedPeerIp,

    /// <summary>An allowed-peer-ip range that contains the peer, unless no-multicast-peers is on (which refuses them outright, as coturn does).</summary>
    AllowedPeerIpUnlessNoMulticastPeers,
}

/// <summary>One range of <see cref="DefaultDeniedRanges.All"/>.</summary>
/// <param name="Notation">The range as the man page and logs write it (CIDR).</param>
/// <param name="Reason">The refusal it gives.</param>
/// <param name="OpenedBy">What lets its peers through.</param>
/// <param name="Description">What the range is and why no peer should be in it (one sentence, for the man page).</param>
public sealed record DefaultDeniedRange(string Notation, PeerDecision Reason, DeniedRangeOpener OpenedBy, string Description)
{
    /// <summary><see cref="Notation"/> parsed.</summary>
    public AddressRange Range { get; } = AddressRange.Parse(Notation);
}

/// <summary>
/// The one table of peer addresses refused by default (coturn 4.13 and later go the same way). <see cref="PeerAddressFilter"/>
/// builds its fixed rules from it and the man page documents it from it, so the two cannot drift apart.
/// </summary>
/// <remarks>
/// First match wins (255.255.255.255 comes before 240.0.0.0/4). Every IPv6 spelling of an IPv4 address is judged as that
/// IPv4 address (<see cref="EmbeddedForms"/>). Besides the table, <see cref="PeerAddressFilter"/> refuses the
/// addresses of this machine and the server (<see cref="PeerDecision.LocalInterface"/>, except on live relay ports) and
/// the endpoints of its databases (<see cref="PeerDecision.DatabaseEndpoint"/>).
/// </remarks>
public static class DefaultDeniedRanges
{
    /// <summary>The ranges, in the order they are matched.</summary>
    public static IReadOnlyList<DefaultDeniedRange> All { get; } =
    [
        new("0.0.0.0/8", PeerDecision.Unspecified, DeniedRangeOpener.Nothing,
            "\"This network\": a socket sends 0.0.0.0 to the host itself (CVE-2020-26262)."),
        new("255.255.255.255/32", PeerDecision.Broadcast, DeniedRangeOpener.Nothing,
            "Limited broadcast: never a unicast peer."),
        new("127.0.0.0/8", PeerDecision.Loopback, DeniedRangeOpener.AllowLoopbackPeers,
            "Loopback: services of this host."),
        new("169.254.0.0/16", PeerDecision.LinkLocal, DeniedRangeOpener.AllowedPeerIp,
            "Link-local, including the cloud metadata service 169.254.169.254."),
        new("224.0.0.0/4", PeerDecision.Multicast, DeniedRangeOpener.AllowedPeerIpUnlessNoMulticastPeers,
            "Multicast (mDNS, SSDP, ...): coturn 4.6.1 relays it unless no-multicast-peers; allowed-peer-ip=224.0.0.0-239.255.255.255 restores that."),
        new("240.0.0.0/4", PeerDecision.Reserved, DeniedRangeOpener.AllowedPeerIpUnlessNoMulticastPeers,
            "Reserved (\"class E\"), not routed."),
        new("::/128", PeerDecision.Unspecified, DeniedRangeOpener.Nothing,
            "The unspecified address: the host itself, as 0.0.0.0 (CVE-2020-26262)."),
        new("::1/128", PeerDecision.Loopback, DeniedRangeOpener.AllowLoopbackPeers,
            "Loopback."),
        new("fe80::/10", PeerDecision.LinkLocal, DeniedRangeOpener.AllowedPeerIp,
            "Link-local."),
        new("fec0::/10", PeerDecision.SiteLocal, DeniedRangeOpener.AllowedPeerIp,
            "Site-local (deprecated by RFC 3879), still routed inside some sites."),
        new("fc00::/7", PeerDecision.UniqueLocal, DeniedRangeOpener.AllowedPeerIp,
            "Unique local addresses (RFC 4193): private networks."),
        new("ff00::/8", PeerDecision.Multicast, DeniedRangeOpener.AllowedPeerIpUnlessNoMulticastPeers,
            "Multicast, as 224.0.0.0/4."),
    ];

    /// <summary>IPv6 forms judged by the IPv4 address they embed (the address refused if that IPv4 address is), for the man page.</summary>
    public static IReadOnlyList<(string Notation, string Description)> EmbeddedForms { get; } =
    [
        ("::ffff:0:0/96", "IPv4-mapped: judged as the IPv4 address in the last 32 bits (CVE-2026-27624)."),
        ("::/96", "IPv4-compatible (except :: and ::1): as the last 32 bits."),
        ("64:ff9b::/96", "NAT64 well-known prefix (RFC 6052): as the last 32 bits."),
        ("64:ff9b:1::/48", "NAT64 local-use prefix (RFC 8215): as the IPv4 address of the RFC 6052 /48 layout (bits 48-63 and 72-87) and of the /96 layout (last 32 bits); refused if either is."),
        ("2002::/16", "6to4 (RFC 3056): as the IPv4 address in bits 16-47."),
        ("2001::/32", "Teredo (RFC 4380): as the server's IPv4 address (bits 32-63) and the client's (last 32 bits, inverted); refused if either is."),
    ];

    /// <summary>Private ranges that stay reachable by default (media servers on private networks are a real deployment); the shipped etc/turnserver.conf denies them.</summary>
    public static IReadOnlyList<(string Notation, string Description)> ReachableByDefault { get; } =
    [
        ("10.0.0.0/8", "RFC 1918 private network."),
        ("172.16.0.0/12", "RFC 1918 private network."),
        ("192.168.0.0/16", "RFC 1918 private network."),
        ("100.64.0.0/10", "Shared address space for carrier-grade NAT (RFC 6598)."),
    ];
}
