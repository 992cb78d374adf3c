using System.Net;
using Turn.Configuration;
using Turn.Daemon.UserDb;
using Turn.Protocol;
using Turn.Security;
using Turn.Server;
using Turn.Server.Transports;

namespace Turn.Daemon;

/// <summary>
/// The configuration and what the server knows about itself → the peer filter's options: allow-loopback-peers,
/// no-multicast-peers, allowed-peer-ip, denied-peer-ip, this machine's and the server's addresses, the databases'
/// endpoints. The table of ranges refused by default is <see cref="DefaultDeniedRanges"/>.
/// </summary>
internal static class PeerPolicySetup
{
    /// <summary>The options of the peer filter at start-up; the realm policy refresher adds the database's ranges to them.</summary>
    /// <param name="c">The configuration.</param>
    /// <param name="listening">The bound listening addresses.</param>
    /// <param name="interfaces">This machine's interface addresses (null: read them now).</param>
    /// <param name="databases">The databases' endpoints (null: from the configuration, resolved now).</param>
    /// <param name="log">For the start-up line about what is reachable.</param>
    public static PeerAddressFilterOptions Options(
        TurnServerConfig c,
        IReadOnlyList<StunAddress> listening,
        IReadOnlyList<IPAddress>? interfaces,
        IReadOnlyList<IPEndPoint>? databases,
        IServerLog log)
    {
        var local = new List<StunAddress>();
        local.AddRange((interfaces ?? LocalAddresses.All()).Select(ip => StunAddress.FromIPAddress(ip, 0)));
        local.AddRange(listening.Select(a => a.WithPort(0)));
        local.AddRange(c.ListeningIps.Concat(c.RelayIps).Select(ip => StunAddress.FromIPAddress(ip, 0)));
        foreach (ExternalIpMapping e in c.ExternalIps)
        {
            local.Add(StunAddress.FromIPAddress(e.Public, 0));
            if (e.Private is not null)
            {
                local.Add(StunAddress.FromIPAddress(e.Private, 0));
            }
        }

        var options = new PeerAddressFilterOptions
        {
            AllowLoopbackPeers = c.AllowLoopbackPeers,
            NoMulticastPeers = c.NoMulticastPeers,
            Allowed = EngineSetup.ConfiguredRanges(c.AllowedPeerIps),
            Denied = EngineSetup.ConfiguredRanges(c.DeniedPeerIps),
            // Unspecified addresses (a wildcard listener) are refused by the table anyway.
            LocalAddresses = [.. local.Where(a => !a.IsEmpty).Distinct()],
            DatabaseEndpoints = [.. (databases ?? DatabaseEndpoints.Of(c, log)).Select(ep => StunAddress.FromIPAddress(ep.Address, (ushort)ep.Port))],
        };
        LogReachability(new PeerAddressFilter(options), options, log);
        return options;
    }

    /// <summary>One line: what is refused besides the table, and whether private networks are reachable through the relay.</summary>
    private static void LogReachability(PeerAddressFilter filter, PeerAddressFilterOptions options, IServerLog log)
    {
        string[] open = DefaultDeniedRanges.ReachableByDefault
            .Where(r => filter.MayReach(AddressRange.Parse(r.Notation)))
            .Select(r => r.Notation)
            .ToArray();
        string reach = open.Length == 0
            ? "private ranges (RFC 1918, 100.64.0.0/10) are not reachable"
            : $"peers in {string.Join(", ", open)} are REACHABLE through the relay (deny them with denied-peer-ip, as etc/turnserver.conf does, unless media servers live there)";
        log.Info($"peer policy: default-denied ranges (see man turnserver, PEER POLICY), {options.LocalAddresses.Count} address(es) of this server except on relay ports and {options.DatabaseEndpoints.Count} database endpoint(s) refused; {reach}");
    }
}
