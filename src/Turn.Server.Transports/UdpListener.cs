using System.Net;
using System.Net.Sockets;
using Turn.Protocol;

namespace Turn.Server.Transports;

/// <summary>
/// One worker's UDP socket on one listening address, served by its own thread: a blocking
/// receive, the processor, at most one send. The SocketAddress-based calls allocate nothing
/// per datagram and no thread-pool hop sits between receive and send.
/// </summary>
public sealed class UdpListener : IDisposable
{
    private const int MaxDatagram = 65536;

    private readonly Socket _socket;
    private readonly StunRequestProcessor _processor;
    private readonly StunAddress _local;
    private readonly IServerLog _log;
    private readonly Thread _thread;
    private volatile bool _stopping;

    private UdpListener(Socket socket, StunRequestProcessor processor, IServerLog log, string name)
    {
        _socket = socket;
        _processor = processor;
        _log = log;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        _local = StunAddress.FromIPEndPoint(LocalEndPoint);
        _thread = new Thread(Run) { IsBackground = true, Name = name };
    }

    public IPEndPoint LocalEndPoint { get; }

    public WorkerCounters Counters => _processor.Counters;

    /// <summary>Binds the socket (throws <see cref="ListenerBindException"/> on failure); call <see cref="Start"/> to serve.</summary>
    public static UdpListener Bind(IPEndPoint endpoint, bool reusePort, StunRequestProcessor processor, IServerLog log, string name)
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
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ListenerBindException("UDP", endpoint, e);
        }

        return new UdpListener(socket, processor, log, name);
    }

    public void Start() => _thread.Start();

    public void Dispose()
    {
        _stopping = true;
        _socket.Dispose();
    }

    private void Run()
    {
        byte[] receiveBuffer = GC.AllocateUninitializedArray<byte>(MaxDatagram, pinned: true);
        byte[] sendBuffer = GC.AllocateUninitializedArray<byte>(MaxDatagram, pinned: true);
        var remote = new SocketAddress(_socket.AddressFamily);
        while (!_stopping)
        {
            int received;
            try
            {
                received = _socket.ReceiveFrom(receiveBuffer, SocketFlags.None, remote);
            }
            catch (SocketException e) when (!_stopping && IsTransient(e.SocketErrorCode))
            {
                continue;
            }
            catch (Exception e) when (_stopping || e is ObjectDisposedException)
            {
                return;
            }

            var client = StunAddress.FromSocketAddress(remote);
            var context = new PacketContext(client, _local, TransportKind.Udp);
            int length = _processor.Process(receiveBuffer.AsSpan(0, received), context, sendBuffer);
            if (length > 0)
            {
                try
                {
                    _socket.SendTo(sendBuffer.AsSpan(0, length), SocketFlags.None, remote);
                }
                catch (SocketException e) when (!_stopping)
                {
                    if (_log.IsDebugEnabled)
                    {
                        _log.Debug($"UDP send to {client} failed: {e.SocketErrorCode}");
                    }
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
            }
        }
    }

    // ICMP errors from earlier sends surface on the next receive; they say nothing about this one.
    private static bool IsTransient(SocketError error) =>
        error is SocketError.ConnectionReset or SocketError.MessageSize or SocketError.HostUnreachable
            or SocketError.NetworkUnreachable or SocketError.ConnectionRefused or SocketError.Interrupted;
}
