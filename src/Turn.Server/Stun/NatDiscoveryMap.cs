using Turn.Protocol;

namespace Turn.Server;

/// <summary>A listening port and its RFC 5780 alternate (listening-port ↔ alt-listening-port, tls-listening-port ↔ alt-tls-listening-port).</summary>
public readonly record struct PortPair(ushort Port, ushort Alternate);

/// <summary>
/// RFC 5780 NAT behaviour discovery (and RFC 3489's CHANGE-REQUEST): for every address the server
/// listens on, what its OTHER-ADDRESS is and which of the server's UDP sockets answers a
/// CHANGE-REQUEST. Built once at start-up from the bound listeners and read-only afterwards, so all
/// workers share it without locks.
/// </summary>
/// <remarks>
/// <para>Every listening address is served on both ports of each <see cref="PortPair"/>. A port's
/// alternate is the other port of its pair. An address's alternate IP is the next listening address
/// of the same family in the configured order, wrapping around. coturn 4.6.1 picks the same
/// alternate for the first address of a family, but pairs every other address with the second
/// address of its family (the second address with itself); the next-address rule gives every
/// address a different IP when the family has one.</para>
/// <para>A family with a single listening address pairs it with itself, as coturn does: OTHER-ADDRESS
/// then differs in the port only, and a request to change the IP is answered from the same IP.</para>
/// <para>Addresses the server is known by (--external-ip public/private mappings) replace the
/// private ones in OTHER-ADDRESS and RESPONSE-ORIGIN.</para>
/// </remarks>
public sealed class NatDiscoveryMap
{
    private readonly NatDiscoveryEndpoint[] _all;
    private readonly NatDiscoveryEndpoint?[] _byUdpSocket;

    private NatDiscoveryMap(NatDiscoveryEndpoint[] all, NatDiscoveryEndpoint?[] byUdpSocket)
    {
        _all = all;
        _byUdpSocket = byUdpSocket;
    }

    /// <summary>Every address of the map: the listening IPs on both ports of every pair.</summary>
    public IReadOnlyList<NatDiscoveryEndpoint> Endpoints => _all;

    /// <param name="listeningIps">The listening IPs in configured order (ports are ignored).</param>
    /// <param name="ports">The bound ports with their alternates.</param>
    /// <param name="udpListeners">A worker's UDP listener addresses; the index is the socket id of packets received on it (the same in every worker).</param>
    /// <param name="external">external-ip mappings; only those with a private address apply.</param>
    public static NatDiscoveryMap Create(
        IReadOnlyList<StunAddress> listeningIps,
        IReadOnlyList<PortPair> ports,
        IReadOnlyList<StunAddress> udpListeners,
        IReadOnlyList<ExternalAddress>? external = null)
    {
        var all = new List<NatDiscoveryEndpoint>();
        var ips = new List<StunAddress>();
        foreach (StunAddress ip in listeningIps)
        {
            if (!ips.Exists(known => known.EqualsAddress(ip)))
            {
                ips.Add(ip.WithPort(0));
            }
        }

        foreach (StunAddress ip in ips)
        {
            StunAddress alternateIp = AlternateIp(ips, ip);
            foreach (PortPair pair in ports)
            {
                foreach ((ushort port, ushort otherPort) in new[] { (pair.Port, pair.Alternate), (pair.Alternate, pair.Port) })
                {
                    StunAddress local = ip.WithPort(port);
                    if (all.Exists(e => e.Local == local))
                    {
                        continue;
                    }

                    all.Add(new NatDiscoveryEndpoint(
                        local,
                        Advertise(local, external),
                        Advertise(alternateIp.WithPort(otherPort), external),
                        IndexOf(udpListeners, local),
                        alternateIp,
                        otherPort));
                }
            }
        }

        foreach (NatDiscoveryEndpoint e in all)
        {
            e.Link(all);
        }

        int maxSocket = all.Count == 0 ? -1 : all.Max(e => e.UdpSocketId);
        var byUdpSocket = new NatDiscoveryEndpoint?[maxSocket + 1];
        foreach (NatDiscoveryEndpoint e in all)
        {
            if (e.UdpSocketId >= 0)
            {
                byUdpSocket[e.UdpSocketId] = e;
            }
        }

        return new NatDiscoveryMap([.. all], byUdpSocket);
    }

    /// <summary>The entry for the server address a packet arrived on, or null when that address takes no part (e.g. a PROXY-protocol port).</summary>
    public NatDiscoveryEndpoint? Find(in PacketContext context)
    {
        if (context.Transport == TransportKind.Udp && (uint)context.SocketId < (uint)_byUdpSocket.Length
            && _byUdpSocket[context.SocketId] is { } byId && SameEndpoint(byId.Local, context.Local))
        {
            return byId;
        }

        return Find(context.Local);
    }

    /// <summary>The entry for a server address (IP and port), or null.</summary>
    public NatDiscoveryEndpoint? Find(in StunAddress local)
    {
        foreach (NatDiscoveryEndpoint e in _all)
        {
            if (SameEndpoint(e.Local, local))
            {
                return e;
            }
        }

        return null;
    }

    private static bool SameEndpoint(in StunAddress a, in StunAddress b) => a.Port == b.Port && a.EqualsAddress(b);

    private static StunAddress AlternateIp(List<StunAddress> ips, StunAddress ip)
    {
        int at = ips.FindIndex(known => known.EqualsAddress(ip));
        for (int step = 1; step < ips.Count; step++)
        {
            StunAddress next = ips[(at + step) % ips.Count];
            if (next.Family == ip.Family)
            {
                return next;
            }
        }

        return ip;
    }

    private static int IndexOf(IReadOnlyList<StunAddress> udpListeners, StunAddress local)
    {
        for (int i = 0; i < udpListeners.Count; i++)
        {
            if (SameEndpoint(udpListeners[i], local))
            {
                return i;
            }
        }

        return -1;
    }

    private static StunAddress Advertise(StunAddress local, IReadOnlyList<ExternalAddress>? external)
    {
        if (external is not null)
        {
            foreach (ExternalAddress mapping in external)
            {
                if (!mapping.Private.IsEmpty && mapping.Private.EqualsAddress(local) && mapping.Public.Family == local.Family)
                {
                    return mapping.Public.WithPort(local.Port);
                }
            }
        }

        return local;
    }
}

/// <summary>One server address (IP and port) in the <see cref="NatDiscoveryMap"/>.</summary>
public sealed class NatDiscoveryEndpoint
{
    // Indexed by CHANGE-REQUEST's flags: 1 = port, 2 = IP, 3 = both (0 is this endpoint).
    private readonly NatDiscoveryEndpoint?[] _changed = new NatDiscoveryEndpoint?[4];
    private readonly StunAddress _alternateIp;
    private readonly ushort _alternatePort;

    internal NatDiscoveryEndpoint(StunAddress local, StunAddress advertised, StunAddress other, int udpSocketId, StunAddress alternateIp, ushort alternatePort)
    {
        Local = local;
        Advertised = advertised;
        Other = other;
        UdpSocketId = udpSocketId;
        _alternateIp = alternateIp;
        _alternatePort = alternatePort;
    }

    /// <summary>The address as bound.</summary>
    public StunAddress Local { get; }

    /// <summary>The address clients are told (RESPONSE-ORIGIN, SOURCE-ADDRESS): <see cref="Local"/> or its external-ip mapping.</summary>
    public StunAddress Advertised { get; }

    /// <summary>RFC 5780 §7.4 OTHER-ADDRESS (RFC 3489 CHANGED-ADDRESS): the alternate IP on the alternate port, as advertised.</summary>
    public StunAddress Other { get; }

    /// <summary>The socket id of the UDP listener bound here, or -1 when no UDP socket is (a TLS port, or no-udp).</summary>
    public int UdpSocketId { get; }

    /// <summary>The address that answers a CHANGE-REQUEST received here (RFC 5780 §6.1), or null when the server has none bound.</summary>
    public NatDiscoveryEndpoint? Changed(bool changeIp, bool changePort) => _changed[(changeIp ? 2 : 0) | (changePort ? 1 : 0)];

    internal void Link(List<NatDiscoveryEndpoint> all)
    {
        for (int flags = 0; flags < 4; flags++)
        {
            StunAddress ip = (flags & 2) != 0 ? _alternateIp : Local;
            ushort port = (flags & 1) != 0 ? _alternatePort : Local.Port;
            StunAddress target = ip.WithPort(port);
            _changed[flags] = all.Find(e => e.Local.Port == target.Port && e.Local.EqualsAddress(target));
        }
    }
}
