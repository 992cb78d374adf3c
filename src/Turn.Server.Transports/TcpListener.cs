using System.Net;
using System.Net.Sockets;
using Turn.Protocol;
using Turn.Server.Transports.Tls;

namespace Turn.Server.Transports;

/// <summary>
/// Accepts TCP clients (STUN/TURN over TCP, RFC 8656 §3.1) and hands each connection to a relay
/// worker, which then reads, frames and answers it on its own thread like its UDP traffic.
/// Enforces the connection limits at accept time, so a flood of connections costs a worker nothing.
/// With a <see cref="TlsServerContext"/>, each connection's first byte decides (within a bounded
/// time, off the workers) whether it is TLS or plain STUN/TURN: the plain port and the TLS port
/// both serve both, as coturn's do.
/// </summary>
public sealed partial class TcpListener : IDisposable
{
    private readonly Socket _listenSocket;
    private readonly TcpListenerLimits _limits;
    private readonly IServerLog _log;
    private readonly TlsServerContext? _tls;
    private readonly bool _acceptPlain;
    private readonly CancellationTokenSource _stop = new();
    private readonly SourceCounter _perSource;
    private int _open;
    private int _next;

    private TcpListener(Socket socket, TcpListenerLimits limits, IServerLog log, TlsServerContext? tls, bool acceptPlain, SourceCounter? sources)
    {
        _listenSocket = socket;
        _limits = limits;
        _log = log;
        _tls = tls;
        _acceptPlain = acceptPlain;
        _perSource = sources ?? new SourceCounter(limits.MaxConnectionsPerSource);
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>True when TLS connections are served here (their first byte is looked at).</summary>
    public bool ServesTls => _tls is not null;

    public int OpenConnections => Volatile.Read(ref _open);

    /// <param name="endpoint">Where to listen.</param>
    /// <param name="limits">Connection limits.</param>
    /// <param name="log">The server log.</param>
    /// <param name="tls">Serve TLS too (detected by the first byte); null = plain TCP only, handed on at once.</param>
    /// <param name="acceptPlain">With <paramref name="tls"/>: also serve plain STUN/TURN (false on the TLS port under no-tcp).</param>
    /// <param name="kind">"TCP" or "TLS", for messages.</param>
    /// <param name="sources">The per-source connection counts, shared with other listeners; null = this listener's own.</param>
    public static TcpListener Bind(IPEndPoint endpoint, TcpListenerLimits limits, IServerLog log, TlsServerContext? tls = null, bool acceptPlain = true, string kind = "TCP",
                                   SourceCounter? sources = null)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            // Lets a restarted server rebind while old connections sit in TIME_WAIT; it does not
            // let two live listeners share the port on Linux.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(endpoint);
            socket.Listen(1024);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ListenerBindException(kind, endpoint, e);
        }

        return new TcpListener(socket, limits, log, tls, acceptPlain, sources);
    }

    public void Start(IReadOnlyList<RelayWorker> workers) => _ = AcceptLoopAsync(workers);

    public void Dispose()
    {
        _stop.Cancel();
        _listenSocket.Dispose();
    }

    private async Task AcceptLoopAsync(IReadOnlyList<RelayWorker> workers)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listenSocket.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // EMFILE and friends: back off briefly instead of spinning.
                _log.Warning($"TCP accept on {ListenerBindException.Format(LocalEndPoint)} failed: {e.SocketErrorCode}");
                await Task.Delay(100).ConfigureAwait(false);
                continue;
            }

            if (_proxyProtocol)
            {
                StartProxied(client, workers); // Proxy/TcpListener.Proxy.cs: the client's address comes in the header
                continue;
            }

            IPAddress source = ((IPEndPoint)client.RemoteEndPoint!).Address;
            if (Volatile.Read(ref _open) >= _limits.MaxConnections || !TryAddSource(source))
            {
                if (_log.IsDebugEnabled)
                {
                    _log.Debug($"TCP connection from {source} refused: connection limit reached");
                }

                client.Dispose();
                continue;
            }

            Interlocked.Increment(ref _open);
            RelayWorker worker = workers[(int)((uint)Interlocked.Increment(ref _next) % (uint)workers.Count)];
            Action onClosed = () =>
            {
                Interlocked.Decrement(ref _open);
                RemoveSource(source);
            };
            if (_tls is null)
            {
                worker.Adopt(client, onClosed);
            }
            else
            {
                TlsAcceptor.Start(client, worker, _tls, _acceptPlain, onClosed, _log);
            }
        }
    }

    private bool TryAddSource(IPAddress address) => _perSource.TryAdd(StunAddress.FromIPAddress(address, 0));

    private void RemoveSource(IPAddress address) => _perSource.Remove(StunAddress.FromIPAddress(address, 0));
}
