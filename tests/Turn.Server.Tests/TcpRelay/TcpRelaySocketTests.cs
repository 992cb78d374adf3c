using System.Net;
using System.Net.Sockets;
using Turn.Protocol;
using Turn.Server.Tests.Engine;
using Turn.Server.Transports;
using Xunit.Abstractions;

namespace Turn.Server.Tests.TcpRelay;

/// <summary>
/// RFC 6062 end to end on real sockets: the relay workers and engines of <see cref="TcpRelayTestServer"/>,
/// clients and peers in the test. With two workers every data connection first reaches the worker
/// that does not own the allocation, so each bind here also moves a connection between workers.
/// </summary>
public sealed class TcpRelaySocketTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TcpRelayTestClient.Timeout;

    [Fact]
    public void ConnectToAClosedPortGets447()
    {
        using var server = new TcpRelayTestServer();
        using var control = TcpRelayTestClient.Connect(server.Tcp);
        AllocateTcp(control);
        int closedPort;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            closedPort = ((IPEndPoint)probe.LocalEndPoint!).Port; // bound, never listening: connections are refused
            byte[] r = control.Request(StunMethod.Connect, b => b.PeerAddress(StunAddress.Parse($"127.0.0.1:{closedPort}")));
            Assert.Equal(447, EngineHarness.ErrorCodeOf(r));
        }

        Assert.True(TcpRelayTestServer.WaitUntil(() => server.TcpRelayConnections == 0, Timeout));
    }

    [Fact]
    public void ConnectedPeerDataSentBeforeTheBindArrivesAfterItAndBytesThenFlowBothWays()
    {
        using var server = new TcpRelayTestServer();
        using var peerListener = Listen(out StunAddress peerAddress);
        using var control = TcpRelayTestClient.Connect(server.Tcp);
        StunAddress relay = AllocateTcp(control);

        byte[] connect = control.Request(StunMethod.Connect, b => b.PeerAddress(peerAddress));
        Assert.Equal(0, EngineHarness.ErrorCodeOf(connect));
        uint id = ConnectionIdOf(connect);
        using Socket peer = peerListener.Accept();
        Assert.Equal(relay.Port, ((IPEndPoint)peer.RemoteEndPoint!).Port); // from the relayed address (§5.2)

        // The peer speaks first; the server keeps it until the client binds a data connection.
        byte[] early = Pattern(3000, 1);
        peer.Send(early);
        Assert.True(TcpRelayTestServer.WaitUntil(() => server.BufferedBytes == early.Length, Timeout));

        using TcpRelayTestClient data = Bind(server, id);
        Assert.Equal(early, data.ReadExactly(early.Length));
        AssertFlowsBothWays(data, peer);
        Assert.Equal(0, server.BufferedBytes);
    }

    [Fact]
    public void PeerNeedsAPermissionAndIsOfferedInAConnectionAttempt()
    {
        using var server = new TcpRelayTestServer();
        using var control = TcpRelayTestClient.Connect(server.Tcp);
        StunAddress relay = AllocateTcp(control);

        // No permission: the server closes the peer's connection at once (§5.3).
        using (var stranger = ConnectPeer(relay))
        {
            Assert.Equal(0, ReadOrReset(stranger));
        }

        Assert.Equal(0, EngineHarness.ErrorCodeOf(control.Request(StunMethod.CreatePermission, b => b.PeerAddress(StunAddress.Parse("127.0.0.1:1")))));
        using Socket peer = ConnectPeer(relay);
        byte[] hello = Pattern(5000, 7);
        peer.Send(hello);

        byte[] attempt = control.WaitForIndication(StunMethod.ConnectionAttempt);
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(attempt, out StunMessage m));
        Assert.True(m.TryGetXorAddress(StunAttributeType.XorPeerAddress, out StunAddress from));
        Assert.Equal(StunAddress.FromIPEndPoint((IPEndPoint)peer.LocalEndPoint!), from);

        using TcpRelayTestClient data = Bind(server, ConnectionIdOf(attempt));
        Assert.Equal(hello, data.ReadExactly(hello.Length));
        AssertFlowsBothWays(data, peer);
    }

    [Fact]
    public void FloodingPeerIsHeldBackWhileTheClientDoesNotReadAndNothingIsLost()
    {
        using var server = new TcpRelayTestServer();
        using var peerListener = Listen(out StunAddress peerAddress);
        using var control = TcpRelayTestClient.Connect(server.Tcp);
        AllocateTcp(control);
        uint id = ConnectionIdOf(control.Request(StunMethod.Connect, b => b.PeerAddress(peerAddress)));
        using Socket peer = peerListener.Accept();
        using TcpRelayTestClient data = Bind(server, id, receiveBuffer: 32 * 1024);

        // The peer sends as fast as it can while the client reads nothing, until the peer cannot
        // send for a second: every buffer on the way is full, the server's own included.
        peer.Blocking = false;
        peer.SendBufferSize = 32 * 1024;
        long sent = 0;
        long peak = 0;
        byte[] chunk = new byte[16 * 1024];
        while (true)
        {
            Fill(chunk, sent);
            int n;
            try
            {
                n = peer.Send(chunk);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
            {
                peak = Math.Max(peak, server.BufferedBytes);
                if (!peer.Poll(TimeSpan.FromSeconds(1), SelectMode.SelectWrite))
                {
                    break;
                }

                continue;
            }

            sent += n;
            peak = Math.Max(peak, server.BufferedBytes);
            Assert.True(sent < 256L * 1024 * 1024, "the peer was never held back");
        }

        long held = server.BufferedBytes;
        output.WriteLine($"the peer sent {sent} bytes before it was held back; the server held {held} (at most {peak} seen), bound {RelayWorker.TcpRelayBufferBytes}");
        Assert.True(held <= RelayWorker.TcpRelayBufferBytes, $"the server holds {held} bytes");
        Assert.True(peak <= RelayWorker.TcpRelayBufferBytes, $"the server held up to {peak} bytes");
        Assert.True(held > 0, "the flood should have reached the server's buffer");

        // Now the client reads: everything arrives, in order.
        byte[] received = new byte[64 * 1024];
        byte[] expected = new byte[received.Length];
        long total = 0;
        while (total < sent)
        {
            int n = data.Read(received.AsSpan(0, (int)Math.Min(received.Length, sent - total)));
            Assert.True(n > 0);
            Fill(expected, total);
            Assert.True(received.AsSpan(0, n).SequenceEqual(expected.AsSpan(0, n)), $"wrong bytes after {total}");
            total += n;
        }

        Assert.True(TcpRelayTestServer.WaitUntil(() => server.BufferedBytes == 0, Timeout));
    }

    [Fact]
    public void ClosingEitherSideClosesTheOtherAfterWhatItSent()
    {
        using var server = new TcpRelayTestServer();
        using var peerListener = Listen(out StunAddress peerAddress);
        using var control = TcpRelayTestClient.Connect(server.Tcp);
        AllocateTcp(control);

        // The peer finishes: the client gets its last bytes, then the end.
        uint first = ConnectionIdOf(control.Request(StunMethod.Connect, b => b.PeerAddress(peerAddress)));
        Socket peer = peerListener.Accept();
        TcpRelayTestClient data = Bind(server, first);
        peer.Send("last words"u8);
        peer.Shutdown(SocketShutdown.Send);
        Assert.Equal("last words"u8.ToArray(), data.ReadExactly(10));
        Assert.True(data.EndsWithin(Timeout));
        peer.Dispose();
        data.Dispose();
        Assert.True(TcpRelayTestServer.WaitUntil(() => server.TcpRelayConnections == 0, Timeout));

        // The client's data connection ends: the peer connection ends too; the same peer may be connected again.
        uint second = ConnectionIdOf(control.Request(StunMethod.Connect, b => b.PeerAddress(peerAddress)));
        peer = peerListener.Accept();
        data = Bind(server, second);
        data.Write("bye"u8);
        data.Socket.Shutdown(SocketShutdown.Send);
        Assert.Equal("bye"u8.ToArray(), ReadExactly(peer, 3));
        Assert.Equal(0, ReadOrReset(peer));
        peer.Dispose();
        data.Dispose();

        // The control connection ends: the allocation and its data connections end.
        uint third = ConnectionIdOf(control.Request(StunMethod.Connect, b => b.PeerAddress(peerAddress)));
        using Socket lastPeer = peerListener.Accept();
        using TcpRelayTestClient lastData = Bind(server, third);
        control.Dispose();
        Assert.True(lastData.EndsWithin(Timeout));
        Assert.Equal(0, ReadOrReset(lastPeer));
        Assert.True(TcpRelayTestServer.WaitUntil(() => server.TcpRelayConnections == 0, Timeout));

        // Every client connection, data connections included, was given back to the listener's count.
        Assert.True(TcpRelayTestServer.WaitUntil(() => server.Listeners.Tcp.Sum(t => t.OpenConnections) == 0, Timeout));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UnknownConnectionIdGets400OnTheOwningWorkerAndTheConnectionStaysUsable(bool tls)
    {
        using var server = new TcpRelayTestServer(tls: tls);
        IPEndPoint endpoint = tls ? server.Tls : server.Tcp;
        using var control = TcpRelayTestClient.Connect(endpoint, tls);
        AllocateTcp(control);
        using var data = TcpRelayTestClient.Connect(endpoint, tls);
        for (uint worker = 0; worker < 2; worker++)
        {
            byte[] r = data.Request(StunMethod.ConnectionBind, b => b.ConnectionId((worker << 24) | 0x00ABCDEF));
            Assert.Equal(400, EngineHarness.ErrorCodeOf(r));
        }

        Assert.Equal(0, EngineHarness.ErrorCodeOf(data.Request(StunMethod.Binding)));
        Assert.Equal(400, EngineHarness.ErrorCodeOf(control.Request(StunMethod.ConnectionBind, b => b.ConnectionId(0x00ABCDEF))));
    }

    [Fact]
    public void OverTlsThePassivePathKeepsEarlyDataAndRelaysBothWays()
    {
        // coturn's turnutils_uclient cannot do this one (-S -T -P): its passive peer starts TLS on an unconnected socket.
        using var server = new TcpRelayTestServer(tls: true);
        using var control = TcpRelayTestClient.Connect(server.Tls, tls: true);
        StunAddress relay = AllocateTcp(control);
        Assert.Equal(0, EngineHarness.ErrorCodeOf(control.Request(StunMethod.CreatePermission, b => b.PeerAddress(StunAddress.Parse("127.0.0.1:1")))));
        using Socket peer = ConnectPeer(relay);
        byte[] early = Pattern(40_000, 3);
        peer.Send(early);
        uint id = ConnectionIdOf(control.WaitForIndication(StunMethod.ConnectionAttempt));
        Assert.True(TcpRelayTestServer.WaitUntil(() => server.BufferedBytes == early.Length, Timeout));

        using TcpRelayTestClient data = Bind(server, id, tls: true);
        Assert.Equal(early, data.ReadExactly(early.Length));
        AssertFlowsBothWays(data, peer, bytes: 2_000_000);
    }

    [Fact]
    public void OverTlsTheActivePathRelaysBothWays()
    {
        using var server = new TcpRelayTestServer(tls: true);
        using var peerListener = Listen(out StunAddress peerAddress);
        using var control = TcpRelayTestClient.Connect(server.Tls, tls: true);
        AllocateTcp(control);
        uint id = ConnectionIdOf(control.Request(StunMethod.Connect, b => b.PeerAddress(peerAddress)));
        using Socket peer = peerListener.Accept();
        using TcpRelayTestClient data = Bind(server, id, tls: true);
        AssertFlowsBothWays(data, peer, bytes: 2_000_000);
        data.Dispose();
        Assert.Equal(0, ReadOrReset(peer));
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static StunAddress AllocateTcp(TcpRelayTestClient control)
    {
        byte[] r = control.Request(StunMethod.Allocate, b => b.RequestedTransport(6));
        Assert.Equal(0, EngineHarness.ErrorCodeOf(r));
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(r, out StunMessage m));
        Assert.True(m.TryGetXorAddress(StunAttributeType.XorRelayedAddress, out StunAddress relay));
        return relay;
    }

    /// <summary>A new client connection that binds <paramref name="id"/> (§5.4) and is a data connection from then on.</summary>
    private static TcpRelayTestClient Bind(TcpRelayTestServer server, uint id, bool tls = false, int receiveBuffer = 0)
    {
        var data = TcpRelayTestClient.Connect(tls ? server.Tls : server.Tcp, tls, receiveBuffer);
        byte[] r = data.Request(StunMethod.ConnectionBind, b => b.ConnectionId(id));
        Assert.Equal(0, EngineHarness.ErrorCodeOf(r));
        return data;
    }

    private static uint ConnectionIdOf(byte[] message)
    {
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(message, out StunMessage m));
        Assert.True(m.TryGetAttribute(StunAttributeType.ConnectionId, out ReadOnlySpan<byte> value), $"no CONNECTION-ID (error {EngineHarness.ErrorCodeOf(message)})");
        Assert.True(StunAttributeReader.TryReadConnectionId(value, out uint id));
        return id;
    }

    private static Socket Listen(out StunAddress address)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(8);
        address = StunAddress.FromIPEndPoint((IPEndPoint)listener.LocalEndPoint!);
        return listener;
    }

    private static Socket ConnectPeer(StunAddress relay)
    {
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = (int)Timeout.TotalMilliseconds };
        peer.Connect(relay.ToIPEndPoint());
        return peer;
    }

    /// <summary>Bytes both ways at once (each side writes on its own thread while the other reads), checked in order.</summary>
    private static void AssertFlowsBothWays(TcpRelayTestClient data, Socket peer, int bytes = 100_000)
    {
        peer.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
        byte[] up = Pattern(bytes, 11);
        byte[] down = Pattern(bytes, 13);
        Task write = Task.Run(() =>
        {
            for (int at = 0; at < up.Length; at += 4096)
            {
                data.Write(up.AsSpan(at, Math.Min(4096, up.Length - at)));
            }
        });
        Task<byte[]> readAtPeer = Task.Run(() => ReadExactly(peer, up.Length));
        peer.Send(down);
        Assert.Equal(down, data.ReadExactly(down.Length));
        Assert.True(write.Wait(Timeout));
        Assert.True(readAtPeer.Wait(Timeout));
        Assert.Equal(up, readAtPeer.Result);
    }

    private static byte[] ReadExactly(Socket socket, int count)
    {
        byte[] buffer = new byte[count];
        int at = 0;
        while (at < count)
        {
            int n = socket.Receive(buffer, at, count - at, SocketFlags.None);
            Assert.True(n > 0, "closed early");
            at += n;
        }

        return buffer;
    }

    /// <summary>0 when the connection ends (end of stream or reset) within the timeout; otherwise the bytes read.</summary>
    private static int ReadOrReset(Socket socket)
    {
        socket.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
        try
        {
            return socket.Receive(new byte[64]);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return 0;
        }
    }

    private static byte[] Pattern(int length, int seed)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * seed) + (i >> 8));
        }

        return bytes;
    }

    private static byte PatternByte(long position) => (byte)(position % 251);

    private static void Fill(byte[] chunk, long start)
    {
        for (int i = 0; i < chunk.Length; i++)
        {
            chunk[i] = PatternByte(start + i);
        }
    }
}
