using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Turn.Protocol;

namespace Turn.Server.Transports;

/// <summary>
/// STUN over TCP (RFC 8489 §6.2.2): messages framed by their own length field, ChannelData by
/// its length plus padding to 4 bytes (RFC 8656 §12.5). Connection handling is asynchronous;
/// TCP is not the per-packet hot path for STUN.
/// </summary>
public sealed class TcpListener : IDisposable
{
    private const int MaxFrame = Stun.HeaderLength + ushort.MaxValue + 4;

    private readonly Socket _listenSocket;
    private readonly Func<StunRequestProcessor> _processorFactory;
    private readonly TcpListenerLimits _limits;
    private readonly IServerLog _log;
    private readonly StunAddress _local;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<IPAddress, int> _perSource = new();
    private readonly ConcurrentDictionary<Socket, byte> _open = new();

    private TcpListener(Socket socket, Func<StunRequestProcessor> processorFactory, TcpListenerLimits limits, IServerLog log)
    {
        _listenSocket = socket;
        _processorFactory = processorFactory;
        _limits = limits;
        _log = log;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        _local = StunAddress.FromIPEndPoint(LocalEndPoint);
    }

    public IPEndPoint LocalEndPoint { get; }

    public int OpenConnections => _open.Count;

    public static TcpListener Bind(IPEndPoint endpoint, Func<StunRequestProcessor> processorFactory, TcpListenerLimits limits, IServerLog log)
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
            throw new ListenerBindException("TCP", endpoint, e);
        }

        return new TcpListener(socket, processorFactory, limits, log);
    }

    public void Start() => _ = AcceptLoopAsync();

    public void Dispose()
    {
        _stop.Cancel();
        _listenSocket.Dispose();
        foreach (Socket s in _open.Keys)
        {
            s.Dispose();
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listenSocket.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
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

            IPAddress source = ((IPEndPoint)client.RemoteEndPoint!).Address;
            if (_open.Count >= _limits.MaxConnections || !TryAddSource(source))
            {
                if (_log.IsDebugEnabled)
                {
                    _log.Debug($"TCP connection from {source} refused: connection limit reached");
                }

                client.Dispose();
                continue;
            }

            _open[client] = 0;
            _ = ServeAsync(client, source);
        }
    }

    private bool TryAddSource(IPAddress source)
    {
        while (true)
        {
            int current = _perSource.GetOrAdd(source, 0);
            if (current >= _limits.MaxConnectionsPerSource)
            {
                return false;
            }

            if (_perSource.TryUpdate(source, current + 1, current))
            {
                return true;
            }
        }
    }

    private void RemoveSource(IPAddress source)
    {
        while (true)
        {
            int current = _perSource.GetOrAdd(source, 1);
            if (current <= 1)
            {
                if (_perSource.TryRemove(new KeyValuePair<IPAddress, int>(source, current)))
                {
                    return;
                }
            }
            else if (_perSource.TryUpdate(source, current - 1, current))
            {
                return;
            }
        }
    }

    private async Task ServeAsync(Socket socket, IPAddress source)
    {
        byte[] buffer = new byte[MaxFrame];
        byte[] response = new byte[MaxFrame];
        int buffered = 0;
        StunRequestProcessor processor = _processorFactory();
        var context = new PacketContext(StunAddress.FromIPEndPoint((IPEndPoint)socket.RemoteEndPoint!), _local, TransportKind.Tcp);
        try
        {
            socket.NoDelay = true;
            while (true)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                idle.CancelAfter(_limits.IdleTimeout);
                int read = await socket.ReceiveAsync(buffer.AsMemory(buffered), SocketFlags.None, idle.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                buffered += read;
                int consumed = 0;
                while (true)
                {
                    StreamFrameKind kind = StreamFraming.GetFrame(buffer.AsSpan(consumed, buffered - consumed), out int frameLength);
                    if (kind == StreamFrameKind.NeedMore)
                    {
                        break;
                    }

                    if (kind == StreamFrameKind.Invalid)
                    {
                        // Not STUN or ChannelData (a TLS ClientHello, HTTP, garbage): nothing to resync on.
                        if (_log.IsDebugEnabled)
                        {
                            _log.Debug($"TCP {context.Client}: unframeable data, closing");
                        }

                        return;
                    }

                    int length = processor.Process(buffer.AsSpan(consumed, frameLength), context, response);
                    consumed += frameLength;
                    if (length > 0)
                    {
                        await socket.SendAsync(response.AsMemory(0, length), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                    }
                }

                if (consumed > 0)
                {
                    buffer.AsSpan(consumed, buffered - consumed).CopyTo(buffer);
                    buffered -= consumed;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Idle timeout, reset by peer or shutdown: the connection simply ends.
        }
        finally
        {
            _open.TryRemove(socket, out _);
            RemoveSource(source);
            socket.Dispose();
        }
    }
}
