using Turn.Protocol;
using Turn.Security;

namespace Turn.Server.Transports.Proxy;

/// <summary>
/// Who may send a PROXY protocol header on --tcp-proxy-port: a header names the client, so whoever may
/// send one can claim any address (and its per-source budget, and its place in the logs). Only the
/// configured load balancers (--tcp-proxy-allowed-ip) may; without that option, loopback and private
/// addresses (<see cref="DefaultRanges"/>), where a load balancer in front of the server normally sits.
/// A connection from anywhere else is closed before its header is read.
/// </summary>
public sealed class ProxySourcePolicy
{
    /// <summary>Loopback, RFC 1918, RFC 6598 shared address space (100.64.0.0/10) and IPv6 unique local addresses.</summary>
    public static readonly IReadOnlyList<AddressRange> DefaultRanges =
    [
        AddressRange.Parse("127.0.0.0/8"),
        AddressRange.Parse("10.0.0.0/8"),
        AddressRange.Parse("172.16.0.0/12"),
        AddressRange.Parse("192.168.0.0/16"),
        AddressRange.Parse("100.64.0.0/10"),
        AddressRange.Parse("::1"),
        AddressRange.Parse("fc00::/7"),
    ];

    private readonly AddressRange[] _allowed;

    /// <param name="allowed">The load balancers' addresses; empty = <see cref="DefaultRanges"/>.</param>
    public ProxySourcePolicy(IReadOnlyList<AddressRange> allowed)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        IsDefault = allowed.Count == 0;
        _allowed = [.. IsDefault ? DefaultRanges : allowed];
    }

    /// <summary>True when no load balancer was configured and <see cref="DefaultRanges"/> apply.</summary>
    public bool IsDefault { get; }

    /// <summary>True when a connection from <paramref name="source"/> may start with a PROXY header.</summary>
    public bool Allows(in StunAddress source)
    {
        // Same family only: an IPv6 source spelling an IPv4 address (NAT64, IPv4-compatible) is not that IPv4 host.
        StunAddress address = source.Unmapped();
        foreach (AddressRange range in _allowed)
        {
            if (range.Family == address.Family && range.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
