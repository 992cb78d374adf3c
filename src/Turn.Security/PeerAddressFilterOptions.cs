using Turn.Protocol;

namespace Turn.Security;

/// <summary>
/// Settings of <see cref="PeerAddressFilter"/>: coturn's <c>allow-loopback-peers</c>, <c>no-multicast-peers</c>,
/// <c>allowed-peer-ip</c> and <c>denied-peer-ip</c>, and what the server knows about itself (its own addresses, its
/// live relay ports, its databases). A record, so a changed policy is written <c>options with { Denied = ... }</c>.
/// </summary>
public sealed record PeerAddressFilterOptions
{
    /// <summary>
    /// The widely deployed coturn hardening list of <c>denied-peer-ip</c> lines (private, shared, documentation,
    /// benchmarking, reserved, 6to4/Teredo/ORCHID, ULA and link-local space, plus IPv4-mapped and NAT64 spellings).
    /// Not applied by default: it is there for documentation, sample configurations and tests.
    /// </summary>
    public static IReadOnlyList<string> RecommendedDeniedPeerIps { get; } =
    [
        "0.0.0.0-0.255.255.255",
        "10.0.0.0-10.255.255.255",
        "100.64.0.0-100.127.255.255",
        "127.0.0.0-127.255.255.255",
        "169.254.0.0-169.254.255.255",
        "172.16.0.0-172.31.255.255",
        "192.0.0.0-192.0.0.255",
        "192.0.2.0-192.0.2.255",
        "192.88.99.0-192.88.99.255",
        "192.168.0.0-192.168.255.255",
        "198.18.0.0-198.19.255.255",
        "198.51.100.0-198.51.100.255",
        "203.0.113.0-203.0.113.255",
        "240.0.0.0-255.255.255.255",
        "::1",
        "64:ff9b::-64:ff9b::ffff:ffff",
        "::ffff:0.0.0.0-::ffff:255.255.255.255",
        "100::-100::ffff:ffff:ffff:ffff",
        "2001::-2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff",
        "2002::-2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ];

    /// <summary><c>allow-loopback-peers</c>: do not refuse <c>127.0.0.0/8</c> and <c>::1</c> outright (ranges still apply).</summary>
    public bool AllowLoopbackPeers { get; init; }

    /// <summary>
    /// <c>no-multicast-peers</c>: refuse <c>224.0.0.0/4</c>, <c>ff00::/8</c> and (like coturn) <c>240.0.0.0/4</c> even when an
    /// allowed-peer-ip range contains them (without it they are refused by default too, see <see cref="DefaultDeniedRanges"/>).
    /// </summary>
    public bool NoMulticastPeers { get; init; }

    /// <summary>
    /// Every IP of this machine's interfaces and the server's external, listening and relay IPs (ports ignored):
    /// refused as peers except on the ports in <see cref="LiveRelayPorts"/>, unless an allowed-peer-ip range contains them.
    /// Loopback addresses in the list are left to the loopback rule (allow-loopback-peers).
    /// </summary>
    public IReadOnlyList<StunAddress> LocalAddresses { get; init; } = [];

    /// <summary>The ports of the server's live relay endpoints (null: none, so a local address is refused on every port).</summary>
    public LiveRelayPorts? LiveRelayPorts { get; init; }

    /// <summary>The IP and port of each configured database (user database, statistics database): always refused.</summary>
    public IReadOnlyList<StunAddress> DatabaseEndpoints { get; init; } = [];

    /// <summary>Refuse every peer (<see cref="PeerDecision.PolicyUnavailable"/>): the policy could not be read, fail closed.</summary>
    public bool DenyAll { get; init; }

    /// <summary><c>allowed-peer-ip</c>: a peer in any of these is allowed even if a denied range contains it.</summary>
    public IReadOnlyList<AddressRange> Allowed { get; init; } = [];

    /// <summary><c>denied-peer-ip</c>: a peer in any of these (and in no allowed range) is refused.</summary>
    public IReadOnlyList<AddressRange> Denied { get; init; } = [];

    /// <summary>Options from the configuration lists (each item one of the forms of <see cref="AddressRange.TryParse(string?, out AddressRange)"/>).</summary>
    /// <param name="allowLoopback"><c>allow-loopback-peers</c>.</param>
    /// <param name="noMulticast"><c>no-multicast-peers</c>.</param>
    /// <param name="allowed"><c>allowed-peer-ip</c> values (null = none).</param>
    /// <param name="denied"><c>denied-peer-ip</c> values (null = none).</param>
    /// <exception cref="ArgumentException">An item is not an address range; the message quotes it.</exception>
    public static PeerAddressFilterOptions FromStrings(bool allowLoopback, bool noMulticast, IEnumerable<string>? allowed, IEnumerable<string>? denied)
        => new()
        {
            AllowLoopbackPeers = allowLoopback,
            NoMulticastPeers = noMulticast,
            Allowed = ParseAll(allowed, "allowed-peer-ip", nameof(allowed)),
            Denied = ParseAll(denied, "denied-peer-ip", nameof(denied)),
        };

    private static AddressRange[] ParseAll(IEnumerable<string>? items, string option, string paramName)
    {
        if (items is null)
        {
            return [];
        }

        var ranges = new List<AddressRange>();
        foreach (string item in items)
        {
            if (!AddressRange.TryParse(item, out AddressRange range))
            {
                throw new ArgumentException(
                    $"Invalid {option} value '{item}': expected an IP address, 'ip-ip' range or CIDR (e.g. 10.0.0.0/8).", paramName);
            }

            ranges.Add(range);
        }

        return [.. ranges];
    }
}
