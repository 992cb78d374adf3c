using System.Net;
using System.Net.Sockets;
using Turn.Protocol;
using Turn.Server.Transports.Proxy;

namespace Turn.Server.Transports;

/// <summary>
/// --tcp-proxy-port: a TCP listener behind a load balancer that starts each connection with a PROXY
/// protocol v2 header. The header is read off the workers (bounded by <see cref="ProxyHeaderTimeout"/>);
/// the connection then goes to a worker as a plain TCP client whose address is the one the header
/// names. The per-source connection limit counts that client, not the load balancer.
/// </summary>
public sealed partial class TcpListener
{
    /// <summary>How long a new connection may take to send its whole PROXY header.</summary>
    public static readonly TimeSpan ProxyHeaderTimeout = TimeSpan.FromSeconds(5);

    private bool _proxyProtocol;
    private ProxySourcePolicy? _proxySources;
    private int _proxyRefusalLogged;
    private long _proxySourcesRefused;

    /// <summary>True on a --tcp-proxy-port listener.</summary>
    public bool ExpectsProxyHeader => _proxyProtocol;

    /// <summary>Connections closed unread because their source may not send a PROXY header (--tcp-proxy-allowed-ip).</summary>
    public long RefusedProxySources => Interlocked.Read(ref _proxySourcesRefused);

    /// <summary>
    /// Binds a plain TCP listener whose connections must start with a PROXY protocol v2 header, accepted
    /// only from <paramref name="allowedSources"/> (empty = loopback and private addresses, <see cref="ProxySourcePolicy"/>).
    /// </summary>
    public static TcpListener BindProxy(IPEndPoint endpoint, TcpListenerLimits limits, IReadOnlyList<Turn.Security.AddressRange> allowedSources, IServerLog log,
                                        SourceCounter? sources = null)
    {
        TcpListener listener = Bind(endpoint, limits, log, tls: null, acceptPlain: true, kind: "TCP proxy", sources);
        listener._proxyProtocol = true;
        listener._proxySources = new ProxySourcePolicy(allowedSources);
        return listener;
    }

    /// <summary>From the accept loop: counts the connection against the global limit and starts reading its header.</summary>
    private void StartProxied(Socket client, IReadOnlyList<RelayWorker> workers)
    {
        if (client.RemoteEndPoint is not IPEndPoint balancer || !_proxySources!.Allows(StunAddress.FromIPEndPoint(balancer)))
        {
            // Not a configured load balancer: its header would let it claim any client address. The first
            // refusal is a warning (a load balancer missing from the list shows at once), the rest debug lines.
            string line = $"TCP proxy connection from {client.RemoteEndPoint} to {ListenerBindException.Format(LocalEndPoint)} closed: "
                          + $"not an allowed load balancer ({(_proxySources!.IsDefault ? "only loopback and private addresses without " : "")}tcp-proxy-allowed-ip)";
            if (Interlocked.Increment(ref _proxySourcesRefused) == 1)
            {
                _log.Warning(line + " (further refusals are logged at debug level)");
            }
            else if (_log.IsDebugEnabled)
            {
                _log.Debug(line);
            }

            client.Dispose();
            return;
        }

        if (Volatile.Read(ref _open) >= _limits.MaxConnections)
        {
            if (_log.IsDebugEnabled)
            {
                _log.Debug($"TCP proxy connection from {client.RemoteEndPoint} refused: connection limit reached");
            }

            client.Dispose();
            return;
        }

        Interlocked.Increment(ref _open);
        ProxyHeaderReader.Start(client, ProxyHeaderTimeout, (socket, header, error) => OnProxyHeader(socket, header, error, workers));
    }

    private void OnProxyHeader(Socket socket, ProxyHeader? header, string? error, IReadOnlyList<RelayWorker> workers)
    {
        EndPoint? proxy = null;
        try
        {
            proxy = socket.RemoteEndPoint;
            StunAddress? client = null;
            switch (header?.Verdict)
            {
                case ProxyVerdict.UseHeaderAddress:
                    client = header.Value.Source;
                    break;
                case ProxyVerdict.UseConnectionAddress:
                    break;
                case ProxyVerdict.Refuse:
                    error = $"PROXY header for {header.Value.Family}/{header.Value.Transport}: only TCP over IPv4 or IPv6 is served";
                    break;
                default:
                    break;
            }

            if (header is null || error is not null)
            {
                Refuse(socket, proxy, error ?? "no PROXY header");
                return;
            }

            IPAddress source = client?.ToIPAddress() ?? ((IPEndPoint)proxy!).Address;
            if (!TryAddSource(source))
            {
                Refuse(socket, proxy, $"client {source}: connection limit per source reached");
                return;
            }

            if (_log.IsDebugEnabled)
            {
                _log.Debug($"TCP proxy connection from {proxy}: client {(client is { } c ? c.ToString() : "(LOCAL) " + proxy)}");
            }

            RelayWorker worker = workers[(int)((uint)Interlocked.Increment(ref _next) % (uint)workers.Count)];
            worker.Adopt(socket, () =>
            {
                Interlocked.Decrement(ref _open);
                RemoveSource(source);
            }, client);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Refuse(socket, proxy, e.Message);
        }
    }

    private void Refuse(Socket socket, EndPoint? proxy, string why)
    {
        // The first refusal is a warning (a load balancer not sending the header shows at once);
        // the rest go to the debug log, so a scanner cannot flood the log.
        string line = $"TCP proxy connection from {proxy?.ToString() ?? "?"} to {ListenerBindException.Format(LocalEndPoint)} closed: {why}";
        if (Interlocked.Exchange(ref _proxyRefusalLogged, 1) == 0)
        {
            _log.Warning(line + " (further refusals are logged at debug level)");
        }
        else if (_log.IsDebugEnabled)
        {
            _log.Debug(line);
        }

        socket.Dispose();
        Interlocked.Decrement(ref _open);
    }
}
