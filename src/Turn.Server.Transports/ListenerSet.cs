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
    private int _bufferBytes = SocketOptions.DefaultListenerBufferBytes;

    private ListenerSet()
    {
    }

    public IReadOnlyList<RelayWorker> Workers => _workers;

    public IReadOnlyList<TcpListener> Tcp => _tcp;

    /// <summary>One entry per UDP address and port, whatever the worker count.</summary>
    public IReadOnlyList<IPEndPoint> UdpEndPoints => _udpEndPoints;

    public IEnumerable<IPEndPoint> TcpEndPoints => _tcp.Select(t => t.LocalEndPoint);

    /// <summary>The TLS listeners (tls-listening-port); the TCP listeners detect TLS as well when TLS is on.</summary>
    public IEnumerable<IPEndPoint> TlsEndPoints => _tlsListeners.Select(t => t.LocalEndPoint);

    /// <summary>
    /// Binds every socket of <paramref name="plan"/>; throws <see cref="ListenerBindException"/>
    /// (after closing what was bound) if one fails. Attach engines to <see cref="Workers"/>, then <see cref="Start"/>.
    /// </summary>
    public static ListenerSet Bind(ListenerPlan plan, IServerLog log)
    {
        var set = new ListenerSet { _bufferBytes = plan.SocketBufferBytes ?? SocketOptions.DefaultListenerBufferBytes };
        try
        {
            int workers = Math.Max(1, plan.Workers);
            // Workers serve UDP listeners, relay sockets and TCP connections alike.
            for (int i = 0; i < workers; i++)
            {
                set._workers.Add(new RelayWorker($"relay-{i}", log));
            }

            foreach (IPAddress address in plan.Addresses)
            {
                foreach (int configuredPort in plan.Ports)
                {
                    int port = configuredPort;
                    if (plan.Udp)
                    {
                        port = set.BindUdp(new IPEndPoint(address, port));
                    }

                    if (plan.Tcp)
                    {
                        set._tcp.Add(TcpListener.Bind(new IPEndPoint(address, port), plan.TcpLimits, log, plan.Tls));
                    }
                }

                if (plan.Tls is not null)
                {
                    foreach (int port in plan.TlsPorts)
                    {
                        set._tlsListeners.Add(TcpListener.Bind(new IPEndPoint(address, port), plan.TcpLimits, log, plan.Tls, acceptPlain: plan.Tcp, kind: "TLS"));
                    }
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

        foreach (TcpListener t in _tcp.Concat(_tlsListeners))
        {
            t.Start(_workers);
        }
    }

    public void Dispose()
    {
        foreach (TcpListener t in _tcp.Concat(_tlsListeners))
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
