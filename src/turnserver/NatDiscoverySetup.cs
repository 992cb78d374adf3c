using System.Net;
using Turn.Configuration;
using Turn.Protocol;
using Turn.Server;
using Turn.Server.Transports;

namespace Turn.Daemon;

/// <summary>RFC 5780 NAT behaviour discovery: whether it is on, which ports it binds, and the engine's map of them.</summary>
internal static class NatDiscoverySetup
{
    /// <summary>
    /// coturn 4.6.1: on unless --no-rfc5780 when the server has at least two listening addresses
    /// (coturn counts addresses of both families together; a family with one address then pairs it
    /// with itself), and off when an --external-ip has no private address (one public address cannot
    /// tell the server's addresses apart).
    /// </summary>
    /// <param name="why">Why it is off, for the log; null when on.</param>
    public static bool Enabled(TurnServerConfig c, IReadOnlyList<IPAddress> addresses, out string? why)
    {
        why = c.NoRfc5780 ? "no-rfc5780"
            : addresses.Distinct().Count() < 2 ? "it needs two listening addresses"
            : c.ExternalIps.Any(e => e.Private is null) ? "an external-ip has no private address to map"
            : null;
        return why is null;
    }

    /// <summary>The alternate ports to bind (alt-listening-port, alt-tls-listening-port; 0 = the main port + 1), or null when off.</summary>
    public static AlternatePorts? Alternates(TurnServerConfig c, bool enabled) =>
        enabled ? new AlternatePorts(c.AltListeningPort, c.AltTlsListeningPort) : null;

    /// <summary>The map of the bound listeners, for the engine's Binding handler.</summary>
    public static NatDiscoveryMap Map(TurnServerConfig c, IReadOnlyList<IPAddress> addresses, ListenerSet listeners) =>
        NatDiscoveryMap.Create(
            addresses.Select(a => StunAddress.FromIPAddress(a, 0)).ToArray(),
            listeners.AlternatePortPairs.Select(p => new PortPair((ushort)p.Port, (ushort)p.Alternate)).ToArray(),
            listeners.UdpListenerAddresses,
            c.ExternalIps
                .Where(e => e.Private is not null)
                .Select(e => new ExternalAddress(StunAddress.FromIPAddress(e.Public, 0), StunAddress.FromIPAddress(e.Private!, 0)))
                .ToArray());

    /// <summary>One log line per pair: "RFC 5780 NAT behaviour discovery: on, ports 3478/3479, 5349/5350".</summary>
    public static string Describe(ListenerSet listeners) =>
        "RFC 5780 NAT behaviour discovery: on, port pairs " + string.Join(", ", listeners.AlternatePortPairs.Select(p => $"{p.Port}/{p.Alternate}"));
}
