using System.Net;
using System.Net.Sockets;

namespace Turn.Server.Transports;

/// <summary>
/// All client-facing listeners of the process. Everything is bound before anything is served,
/// so a taken port fails the start cleanly and "listening" is only ever said of bound sockets.
/// </summary>
public sealed class ListenerSet : IDisposable
{
    private readonly List<UdpListener> _udp = [];
    private readonly List<TcpListener> _tcp = [];

    private ListenerSet()
    {
    }

    public IReadOnlyList<UdpListener> Udp => _udp;

    public IReadOnlyList<TcpListener> Tcp => _tcp;

    /// <summary>Distinct UDP endpoints (one per address and port, whatever the worker count).</summary>
    public IEnumerable<IPEndPoint> UdpEndPoints => _udp.Select(u => u.LocalEndPoint).Distinct();

    public IEnumerable<IPEndPoint> TcpEndPoints => _tcp.Select(t => t.LocalEndPoint);

    /// <summary>Binds every socket of <paramref name="plan"/>; throws <see cref="ListenerBindException"/> (after closing what was bound) if one fails.</summary>
    public static ListenerSet Bind(ListenerPlan plan, Func<StunRequestProcessor> processorFactory, IServerLog log)
    {
        var set = new ListenerSet();
        try
        {
            int workers = Math.Max(1, plan.Workers);
            foreach (IPAddress address in plan.Addresses)
            {
                foreach (int configuredPort in plan.Ports)
                {
                    int port = configuredPort;
                    if (plan.Udp)
                    {
                        port = set.BindUdp(new IPEndPoint(address, port), workers, processorFactory, log);
                    }

                    if (plan.Tcp)
                    {
                        set._tcp.Add(TcpListener.Bind(new IPEndPoint(address, port), processorFactory, plan.TcpLimits, log));
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
        foreach (UdpListener u in _udp)
        {
            u.Start();
        }

        foreach (TcpListener t in _tcp)
        {
            t.Start();
        }
    }

    public void Dispose()
    {
        foreach (UdpListener u in _udp)
        {
            u.Dispose();
        }

        foreach (TcpListener t in _tcp)
        {
            t.Dispose();
        }
    }

    private int BindUdp(IPEndPoint endpoint, int workers, Func<StunRequestProcessor> processorFactory, IServerLog log)
    {
        if (workers > 1)
        {
            // SO_REUSEPORT would let us share a port another server already holds with the same
            // option. Probe it alone first so a taken port is an error, not a silent split.
            using UdpListener probe = UdpListener.Bind(endpoint, reusePort: false, processorFactory(), log, "probe");
            endpoint = probe.LocalEndPoint;
        }

        for (int i = 0; i < workers; i++)
        {
            UdpListener listener = UdpListener.Bind(endpoint, reusePort: workers > 1, processorFactory(), log, $"udp-{i}");
            _udp.Add(listener);
            endpoint = listener.LocalEndPoint;
        }

        return endpoint.Port;
    }
}
