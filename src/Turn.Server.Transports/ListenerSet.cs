using System.Net;
using System.Net.Sockets;
using Turn.Protocol;

namespace Turn.Server.Transports;

/// <summary>
/// All client-facing listeners of the process: the UDP workers (each with one SO_REUSEPORT socket
/// per listening address), the TCP listeners and the TLS listeners. Everything is bound before anything is served,
/// so a taken port fails the start cleanly and "listening" is only ever said of bound sockets.
/// </summary>
public sealed class ListenerSet : IDisposable
{
    private readonly List<RelayWorker> _workers = [];
    private readonly List<TcpListener> _tcp = [];
    private readonly List<TcpListener> _tlsListeners = [];
    private readonly List<IPEndPoint> _udpEndPoints = [];
    private readonly List<IPEndPoint> _dtlsEndPoints = [];
    private readonly List<TcpListener> _proxy = [];
    private readonly List<(int Port, int Alternate)> _pairs = [];
    private int _bufferBytes = SocketOptions.DefaultListenerBufferBytes;
    private readonly SourceCounter _sources;

    private ListenerSet(SourceCounter sources)
    {
        _sources = sources;
    }

    public IReadOnlyList<RelayWorker> Workers => _workers;

    /// <summary>TCP, TLS and PROXY client connections per source, over all listeners (<see cref="TcpListenerLimits.MaxConnectionsPerSource"/>).</summary>
    public SourceCounter ClientSources => _sources;

    public IReadOnlyList<TcpListener> Tcp => _tcp;

    /// <summary>One entry per UDP address and port, whatever the worker count.</summary>
    public IReadOnlyList<IPEndPoint> UdpEndPoints => _udpEndPoints;

    public IEnumerable<IPEndPoint> TcpEndPoints => _tcp.Select(t => t.LocalEndPoint);

    /// <summary>The TLS listeners (tls-listening-port); the TCP listeners detect TLS as well when TLS is on.</summary>
    public IEnumerable<IPEndPoint> TlsEndPoints => _tlsListeners.Select(t => t.LocalEndPoint);

    /// <summary>The UDP listeners on the TLS ports for DTLS (the plain UDP listeners detect DTLS too when it is on).</summary>
    public IReadOnlyList<IPEndPoint> DtlsEndPoints => _dtlsEndPoints;

    /// <summary>The --tcp-proxy-port listeners (PROXY protocol v2 first, then plain STUN/TURN over TCP).</summary>
    public IEnumerable<IPEndPoint> ProxyEndPoints => _proxy.Select(t => t.LocalEndPoint);

    /// <summary>RFC 5780: the bound ports with their alternates (empty when the plan had no <see cref="ListenerPlan.Alternates"/>).</summary>
    public IReadOnlyList<(int Port, int Alternate)> AlternatePortPairs => _pairs;

    /// <summary>The UDP listener addresses in socket-id order (the same in every worker).</summary>
    public IReadOnlyList<StunAddress> UdpListenerAddresses => _workers.Count > 0 ? _workers[0].ListenerAddresses : [];

    /// <summary>
    /// Binds every socket of <paramref name="plan"/>; throws <see cref="ListenerBindException"/>
    /// (after closing what was bound) if one fails. Attach engines to <see cref="Workers"/>, then <see cref="Start"/>.
    /// </summary>
    public static ListenerSet Bind(ListenerPlan plan, IServerLog log)
    {
        var set = new ListenerSet(new SourceCounter(plan.TcpLimits.MaxConnectionsPerSource))
        {
            _bufferBytes = plan.SocketBufferBytes ?? SocketOptions.DefaultListenerBufferBytes,
        };
        try
        {
            int workers = Math.Max(1, plan.Workers);
            // Workers serve UDP listeners, relay sockets and TCP connections alike.
            for (int i = 0; i < workers; i++)
            {
                set._workers.Add(new RelayWorker($"relay-{i}", log) { ClientLimits = plan.TcpLimits });
            }

            RelayWorker.FormGroup(set._workers); // RFC 6062: a ConnectionBind may reach any worker

            AlternatePorts? alternates = plan.Alternates;
            int[] ports = [.. plan.Ports];
            int[] tlsPorts = [.. plan.TlsPorts];
            foreach (IPAddress address in plan.Addresses)
            {
                for (int i = 0; i < ports.Length; i++)
                {
                    int port = set.BindPlain(plan, address, ports[i], log);
                    if (alternates is not null && i == 0)
                    {
                        ports[i] = port; // RFC 5780: every address serves the same pair of ports
                        set.AddPair(port, set.BindPlain(plan, address, AlternatePorts.Resolve(alternates.Port, port), log));
                    }
                }

                if (plan.Tls is not null)
                {
                    for (int i = 0; i < tlsPorts.Length; i++)
                    {
                        int port = set.BindTls(plan, address, tlsPorts[i], log);
                        if (alternates is not null && i == 0)
                        {
                            tlsPorts[i] = port;
                            set.AddPair(port, set.BindTls(plan, address, AlternatePorts.Resolve(alternates.TlsPort, port), log));
                        }
                    }
                }

                set.BindDtls(plan, address);

                if (plan.ProxyPort > 0)
                {
                    set._proxy.Add(TcpListener.BindProxy(new IPEndPoint(address, plan.ProxyPort), plan.TcpLimits, plan.ProxyAllowedSources, log, set._sources));
                }
            }
        }
        catch
        {
            set.Dispose();
            throw;
        }

        return set;
    }

    public void Start()
    {
        foreach (RelayWorker w in _workers)
        {
            w.Start();
        }

        foreach (TcpListener t in _tcp.Concat(_tlsListeners).Concat(_proxy))
        {
            t.Start(_workers);
        }
    }

    public void Dispose()
    {
        foreach (TcpListener t in _tcp.Concat(_tlsListeners).Concat(_proxy))
        {
            t.Dispose();
        }

        foreach (RelayWorker w in _workers)
        {
            w.Dispose();
        }
    }

    /// <summary>The listening addresses as the engine sees them.</summary>
    public IReadOnlyList<StunAddress> ListeningAddresses =>
        _udpEndPoints.Concat(TcpEndPoints).Concat(TlsEndPoints).Select(StunAddress.FromIPEndPoint).Distinct().ToArray();

    /// <summary>UDP and/or TCP (as the plan says) on one address and port; returns the port bound (0 resolved).</summary>
    private int BindPlain(ListenerPlan plan, IPAddress address, int port, IServerLog log)
    {
        if (plan.Udp)
        {
            port = BindUdp(new IPEndPoint(address, port));
        }

        if (plan.Tcp)
        {
            var tcp = TcpListener.Bind(new IPEndPoint(address, port), plan.TcpLimits, log, plan.Tls, sources: _sources);
            _tcp.Add(tcp);
            port = tcp.LocalEndPoint.Port;
        }

        return port;
    }

    /// <summary>DTLS: UDP on each TLS port of <paramref name="address"/> (a port 0 takes the TLS listener's), and DTLS detection on every worker.</summary>
    private void BindDtls(ListenerPlan plan, IPAddress address)
    {
        if (plan.Dtls is null)
        {
            return;
        }

        foreach (RelayWorker worker in _workers)
        {
            worker.Dtls = plan.Dtls;
        }

        foreach (int configured in plan.TlsPorts)
        {
            int port = configured != 0 ? configured
                : _tlsListeners.Select(t => t.LocalEndPoint).FirstOrDefault(e => e.Address.Equals(address))?.Port ?? 0;
            if (!_udpEndPoints.Any(e => e.Port == port && e.Address.Equals(address)))
            {
                _dtlsEndPoints.Add(new IPEndPoint(address, BindUdp(new IPEndPoint(address, port))));
            }
        }
    }

    private int BindTls(ListenerPlan plan, IPAddress address, int port, IServerLog log)
    {
        var tls = TcpListener.Bind(new IPEndPoint(address, port), plan.TcpLimits, log, plan.Tls, acceptPlain: plan.Tcp, kind: "TLS", sources: _sources);
        _tlsListeners.Add(tls);
        return tls.LocalEndPoint.Port;
    }

    private void AddPair(int port, int alternate)
    {
        if (!_pairs.Contains((port, alternate)))
        {
            _pairs.Add((port, alternate));
        }
    }

    private int BindUdp(IPEndPoint endpoint)
    {
        bool share = _workers.Count > 1;
        if (share)
        {
            // SO_REUSEPORT would let us share a port another server already holds with the same
            // option. Probe it alone first so a taken port is an error, not a silent split.
            using Socket probe = BindUdpSocket(endpoint, reusePort: false, bufferBytes: 0);
            endpoint = (IPEndPoint)probe.LocalEndPoint!;
        }

        foreach (RelayWorker worker in _workers)
        {
            Socket socket = BindUdpSocket(endpoint, share, _bufferBytes);
            endpoint = (IPEndPoint)socket.LocalEndPoint!;
            worker.AddListener(socket);
        }

        _udpEndPoints.Add(endpoint);
        return endpoint.Port;
    }

    private static Socket BindUdpSocket(IPEndPoint endpoint, bool reusePort, int bufferBytes)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            if (reusePort)
            {
                SocketOptions.EnableReusePort(socket);
            }

            socket.Bind(endpoint);
            if (bufferBytes > 0)
            {
                SocketOptions.SetBuffers(socket, bufferBytes);
            }
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ListenerBindException("UDP", endpoint, e);
        }
    }
}
