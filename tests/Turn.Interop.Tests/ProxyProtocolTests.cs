using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Turn.Interop.Tests;

/// <summary>
/// --tcp-proxy-port behind a TCP load balancer that speaks the PROXY protocol v2: the test's own
/// balancer prepends a header claiming the client 198.51.100.7 and then forwards bytes both ways.
/// </summary>
public sealed class ProxyProtocolTests
{
    private static readonly IPEndPoint ClaimedClient = new(IPAddress.Parse("198.51.100.7"), 4242);

    [Fact]
    public void BindingThroughTheBalancerMapsTheClaimedClient()
    {
        (RunningProcess server, int proxyPort) = StartWithProxyPort();
        using (server)
        using (var balancer = new ProxyProtocolBalancer(new IPEndPoint(IPAddress.Loopback, proxyPort), ClaimedClient))
        using (Socket client = Connect(balancer.EndPoint))
        {
            client.Send(RawStunMessage.Build(0x0001));
            RawStunMessage answer = RawStunMessage.Receive(client);
            Assert.Equal(0x0101, answer.Type);
            Assert.Equal(ClaimedClient, answer.XorAddress(RawStunMessage.XorMappedAddress));
        }
    }

    [Fact]
    public void AnIPv6ClientCanBeClaimedOverIPv4()
    {
        var claimed = new IPEndPoint(IPAddress.Parse("2001:db8::7"), 4242);
        (RunningProcess server, int proxyPort) = StartWithProxyPort();
        using (server)
        using (var balancer = new ProxyProtocolBalancer(new IPEndPoint(IPAddress.Loopback, proxyPort), claimed))
        using (Socket client = Connect(balancer.EndPoint))
        {
            client.Send(RawStunMessage.Build(0x0001));
            Assert.Equal(claimed, RawStunMessage.Receive(client).XorAddress(RawStunMessage.XorMappedAddress));
        }
    }

    [Fact]
    public void LocalCommandKeepsTheConnectionsAddress()
    {
        (RunningProcess server, int proxyPort) = StartWithProxyPort();
        using (server)
        using (Socket s = Connect(new IPEndPoint(IPAddress.Loopback, proxyPort)))
        {
            s.Send([.. ProxyProtocolBalancer.LocalHeader(), .. RawStunMessage.Build(0x0001)]); // header and request in one segment
            Assert.Equal((IPEndPoint)s.LocalEndPoint!, RawStunMessage.Receive(s).XorAddress(RawStunMessage.XorMappedAddress));
        }
    }

    [Fact]
    public void AHeaderInPiecesIsReassembled()
    {
        (RunningProcess server, int proxyPort) = StartWithProxyPort();
        using (server)
        using (Socket s = Connect(new IPEndPoint(IPAddress.Loopback, proxyPort)))
        {
            s.NoDelay = true;
            byte[] header = ProxyProtocolBalancer.ProxyHeader(ClaimedClient, new IPEndPoint(IPAddress.Loopback, proxyPort));
            // Split inside the signature, then inside the addresses; the server must neither give up nor over-read.
            s.Send(header[..7]);
            s.Send(header[7..20]);
            s.Send([.. header[20..], .. RawStunMessage.Build(0x0001)]);
            Assert.Equal(ClaimedClient, RawStunMessage.Receive(s).XorAddress(RawStunMessage.XorMappedAddress));
        }
    }

    [Theory]
    [InlineData("plain STUN, no header")]
    [InlineData("version 1 text header")]
    [InlineData("UDP family")]
    [InlineData("broken signature")]
    public void AConnectionWithoutAValidHeaderIsClosedUnanswered(string what)
    {
        byte[] first = what switch
        {
            "plain STUN, no header" => RawStunMessage.Build(0x0001),
            "version 1 text header" => [.. "PROXY TCP4 198.51.100.7 127.0.0.1 4242 3478\r\n"u8, .. RawStunMessage.Build(0x0001)],
            "UDP family" => [.. ProxyProtocolBalancer.ProxyHeader(ClaimedClient, ClaimedClient, familyTransport: 0x12), .. RawStunMessage.Build(0x0001)],
            _ => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0B, 0x21, 0x11, 0, 12, .. new byte[12]],
        };
        (RunningProcess server, int proxyPort) = StartWithProxyPort();
        using (server)
        using (Socket s = Connect(new IPEndPoint(IPAddress.Loopback, proxyPort)))
        {
            s.Send(first);
            AssertClosedWithoutAnswer(s, TimeSpan.FromSeconds(5));
            // The first refusal is logged as a warning; the listener keeps serving.
            server.WaitForLine("TCP proxy connection from .* closed", Servers.StartTimeout);
            using var balancer = new ProxyProtocolBalancer(new IPEndPoint(IPAddress.Loopback, proxyPort), ClaimedClient);
            using Socket good = Connect(balancer.EndPoint);
            good.Send(RawStunMessage.Build(0x0001));
            Assert.Equal(ClaimedClient, RawStunMessage.Receive(good).XorAddress(RawStunMessage.XorMappedAddress));
        }
    }

    [Fact]
    public void AConnectionThatSendsNoHeaderIsClosedAfterTheTimeout()
    {
        (RunningProcess server, int proxyPort) = StartWithProxyPort();
        using (server)
        using (Socket s = Connect(new IPEndPoint(IPAddress.Loopback, proxyPort)))
        {
            s.Send(ProxyProtocolBalancer.ProxyHeader(ClaimedClient, ClaimedClient)[..10]); // then silence
            var clock = Stopwatch.StartNew();
            AssertClosedWithoutAnswer(s, TimeSpan.FromSeconds(15));
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(4), $"closed after {clock.Elapsed}, before the 5 s deadline");
        }
    }

    [Fact]
    public void PlainTcpListenersStillServeWithoutAHeader()
    {
        (RunningProcess server, int proxyPort) = StartWithProxyPort();
        using (server)
        {
            int plainPort = int.Parse(server.WaitForLine(@"listening on TCP 127\.0\.0\.1:(\d+)$", Servers.StartTimeout).Groups[1].Value);
            Assert.NotEqual(proxyPort, plainPort);
            using Socket s = Connect(new IPEndPoint(IPAddress.Loopback, plainPort));
            s.Send(RawStunMessage.Build(0x0001));
            Assert.Equal((IPEndPoint)s.LocalEndPoint!, RawStunMessage.Receive(s).XorAddress(RawStunMessage.XorMappedAddress));
        }
    }

    [Fact]
    public void CoturnUclientRelaysThroughTheBalancerWithoutLoss()
    {
        // Long-term credentials, TURN over TCP, every connection through the balancer (each claims its own port).
        using RunningProcess peer = StartPeer(out int peerPort);
        (RunningProcess server, int proxyPort) = StartWithProxyPort("-a", "-u", "bob:secret", "-r", "example.org", "--allow-loopback-peers");
        using (server)
        using (var balancer = new ProxyProtocolBalancer(new IPEndPoint(IPAddress.Loopback, proxyPort), ClaimedClient))
        {
            (int code, string output) = RunningProcess.Run(
                RepoPaths.Coturn("turnutils_uclient"),
                ["-t", "-p", balancer.EndPoint.Port.ToString(), "-r", peerPort.ToString(), "-u", "bob", "-w", "secret", "-e", "127.0.0.1",
                 "-n", "20", "-m", "3", "-l", "200", "-z", "5", "127.0.0.1"],
                TimeSpan.FromSeconds(90));
            Assert.True(code == 0, $"uclient exited {code}:\n{output}");
            Assert.Matches(@"Total lost packets 0 \(0\.0+%\)", output);
            Assert.True(balancer.Connections >= 3, $"{balancer.Connections} connections went through the balancer");
        }
    }

    [Fact]
    public void AnAllocationThroughTheBalancerRelaysToAPeer()
    {
        (RunningProcess server, int proxyPort) = StartWithProxyPort("--no-auth", "--allow-loopback-peers");
        using (server)
        using (var balancer = new ProxyProtocolBalancer(new IPEndPoint(IPAddress.Loopback, proxyPort), ClaimedClient))
        using (Socket client = Connect(balancer.EndPoint))
        using (var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            peer.ReceiveTimeout = 5000;
            var peerAddress = (IPEndPoint)peer.LocalEndPoint!;

            client.Send(RawStunMessage.Build(0x0003, (RawStunMessage.RequestedTransport, new byte[] { 17, 0, 0, 0 }))); // Allocate, UDP
            RawStunMessage allocated = RawStunMessage.Receive(client);
            Assert.True(allocated.Type == 0x0103, $"Allocate answered 0x{allocated.Type:X4}, error {allocated.Error}");
            Assert.Equal(ClaimedClient, allocated.XorAddress(RawStunMessage.XorMappedAddress));
            IPEndPoint relay = allocated.XorAddress(RawStunMessage.XorRelayedAddress);

            client.Send(RawStunMessage.Build(0x0008, RawStunMessage.XorPeer(peerAddress))); // CreatePermission
            Assert.Equal(0x0108, RawStunMessage.Receive(client).Type);

            client.Send(RawStunMessage.Build(0x0016, RawStunMessage.XorPeer(peerAddress), (RawStunMessage.Data, "to the peer"u8.ToArray()))); // Send indication
            byte[] buffer = new byte[1500];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int n = peer.ReceiveFrom(buffer, ref from);
            Assert.Equal("to the peer", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
            Assert.Equal(relay, (IPEndPoint)from);

            peer.SendTo("back to the client"u8.ToArray(), relay);
            RawStunMessage data = RawStunMessage.Receive(client);
            Assert.Equal(0x0017, data.Type); // Data indication
            Assert.Equal("back to the client", System.Text.Encoding.ASCII.GetString(data.Value(RawStunMessage.Data)));
        }
    }

    private static (RunningProcess Server, int ProxyPort) StartWithProxyPort(params string[] extra)
    {
        for (int attempt = 1; ; attempt++)
        {
            int proxyPort = Servers.FreePort();
            try
            {
                (RunningProcess server, _) = Servers.StartOurs(["--min-port=23100", "--max-port=23199", $"--tcp-proxy-port={proxyPort}", .. extra]);
                server.WaitForLine($@"listening on TCP proxy 127\.0\.0\.1:{proxyPort} ", Servers.StartTimeout);
                return (server, proxyPort);
            }
            catch (InvalidOperationException e) when (attempt < 5 && e.Message.Contains("already in use", StringComparison.Ordinal))
            {
            }
        }
    }

    private static RunningProcess StartPeer(out int port)
    {
        port = Servers.FreePort();
        RunningProcess peer = RunningProcess.Start(RepoPaths.Coturn("turnutils_peer"), ["-p", port.ToString(), "-L", "127.0.0.1"]);
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.ReceiveTimeout = 100;
        for (int i = 0; i < 100; i++)
        {
            s.SendTo("ping"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, port));
            try
            {
                if (s.Receive(new byte[16]) > 0)
                {
                    return peer;
                }
            }
            catch (SocketException)
            {
            }
        }

        peer.Dispose();
        throw new TimeoutException("turnutils_peer did not echo");
    }

    private static Socket Connect(IPEndPoint to)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 5000 };
        s.Connect(to);
        return s;
    }

    private static void AssertClosedWithoutAnswer(Socket s, TimeSpan within)
    {
        s.ReceiveTimeout = (int)within.TotalMilliseconds;
        byte[] buffer = new byte[1500];
        try
        {
            int n = s.Receive(buffer);
            Assert.True(n == 0, $"{n} bytes answered on a connection that should have been closed");
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // closed with unread data in the server's buffer: a reset is a close too
        }
    }
}

/// <summary>
/// A test-side TCP load balancer: accepts on 127.0.0.1, connects to the server, sends a PROXY
/// protocol v2 header claiming <c>client</c> (its port counted up per connection, as distinct
/// clients have distinct ports), then copies bytes both ways until either side closes.
/// </summary>
internal sealed class ProxyProtocolBalancer : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly IPEndPoint _backend;
    private readonly IPEndPoint _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private int _connections;

    public ProxyProtocolBalancer(IPEndPoint backend, IPEndPoint client)
    {
        _backend = backend;
        _client = client;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _ = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The v2 header for a PROXY command (proxy-protocol.txt §2.2); 0x11 = TCP over IPv4, 0x21 = TCP over IPv6.</summary>
    public static byte[] ProxyHeader(IPEndPoint source, IPEndPoint destination, byte? familyTransport = null)
    {
        bool v6 = source.AddressFamily == AddressFamily.InterNetworkV6;
        byte[] src = source.Address.GetAddressBytes();
        byte[] dst = v6 ? destination.Address.MapToIPv6().GetAddressBytes() : destination.Address.MapToIPv4().GetAddressBytes();
        byte[] block = [.. src, .. dst, (byte)(source.Port >> 8), (byte)source.Port, (byte)(destination.Port >> 8), (byte)destination.Port];
        return [.. Signature, 0x21, familyTransport ?? (byte)(v6 ? 0x21 : 0x11), (byte)(block.Length >> 8), (byte)block.Length, .. block];
    }

    /// <summary>The v2 header for a LOCAL command (a health check), with no addresses.</summary>
    public static byte[] LocalHeader() => [.. Signature, 0x20, 0x00, 0, 0];

    private static byte[] Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        lock (_sockets)
        {
            _sockets.ForEach(s => s.Dispose());
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket front;
            try
            {
                front = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            int n = Interlocked.Increment(ref _connections) - 1;
            _ = ServeAsync(front, new IPEndPoint(_client.Address, _client.Port + n));
        }
    }

    private async Task ServeAsync(Socket front, IPEndPoint claimed)
    {
        var back = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        front.NoDelay = true;
        lock (_sockets)
        {
            _sockets.Add(front);
            _sockets.Add(back);
        }

        try
        {
            await back.ConnectAsync(_backend, _stop.Token);
            await back.SendAsync(ProxyHeader(claimed, (IPEndPoint)front.LocalEndPoint!), _stop.Token);
            await Task.WhenAny(CopyAsync(front, back), CopyAsync(back, front));
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        finally
        {
            front.Dispose();
            back.Dispose();
        }
    }

    private async Task CopyAsync(Socket from, Socket to)
    {
        byte[] buffer = new byte[65536];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, _stop.Token);
                if (n == 0)
                {
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, n), _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }
}
