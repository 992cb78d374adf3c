using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Turn.Protocol;
using Turn.Server.Tests.Engine;
using Turn.Server.Tests.TcpRelay;
using Turn.Server.Transports;

namespace Turn.Server.Tests.Transports;

/// <summary>
/// What a TCP client can make the server hold, on real sockets against the relay workers of
/// <see cref="TcpRelayTestServer"/>: the message deadline, the idle timeout that only whole
/// messages reset, input buffers held only by incomplete messages, and the per-source limit.
/// </summary>
public sealed class ClientConnectionBoundsTests
{
    private static readonly TimeSpan Timeout = TcpRelayTestClient.Timeout;

    [Fact]
    public void SlowLorisIsClosedByTheMessageDeadlineEvenWithAnAllocation()
    {
        var limits = new TcpListenerLimits { MessageTimeout = TimeSpan.FromSeconds(1), IdleTimeout = TimeSpan.FromMinutes(5) };
        using var server = new TcpRelayTestServer(workers: 1, limits: limits);
        using var client = TcpRelayTestClient.Connect(server.Tcp);
        Assert.Equal(0, EngineHarness.ErrorCodeOf(client.Request(StunMethod.Allocate, b => b.RequestedTransport(17))));

        // A Binding request, one byte every 200 ms: whole only after 4 s, far past the 1 s deadline.
        byte[] binding = BindingRequest();
        var clock = Stopwatch.StartNew();
        int sent = 0;
        bool closed = false;
        while (!closed && clock.Elapsed < Timeout)
        {
            closed = !TrySend(client.Socket, binding.AsSpan(sent, 1)) || ClosedWithin(client.Socket, TimeSpan.FromMilliseconds(200));
            sent += closed ? 0 : 1;
        }

        Assert.True(closed, "the dribbling connection was not closed");
        Assert.True(sent < binding.Length, $"the whole message went through ({sent} bytes)");
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));
        Assert.True(TcpRelayTestServer.WaitUntil(() => server.PartialMessages == (0, 0L), Timeout), "the closed connection's buffer was not given back");
    }

    [Fact]
    public void AnIdleConnectionWithoutAnAllocationIsClosed()
    {
        var limits = new TcpListenerLimits { IdleTimeout = TimeSpan.FromSeconds(1), MessageTimeout = TimeSpan.FromMinutes(5) };
        using var server = new TcpRelayTestServer(workers: 1, limits: limits);
        using var client = TcpRelayTestClient.Connect(server.Tcp);
        Assert.Equal(0, EngineHarness.ErrorCodeOf(client.Request(StunMethod.Binding)));
        var clock = Stopwatch.StartNew();
        Assert.True(client.EndsWithin(Timeout), "the idle connection stayed open");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"closed after {clock.Elapsed}, before the idle timeout");
        Assert.True(TcpRelayTestServer.WaitUntil(() => server.Listeners.Workers[0].ConnectionCount == 0, Timeout));
    }

    [Fact]
    public void OnlyWholeMessagesKeepAConnectionFromTheIdleTimeout()
    {
        // The message deadline is far away: only the idle timer can close the dribbling connection.
        var limits = new TcpListenerLimits { IdleTimeout = TimeSpan.FromSeconds(1), MessageTimeout = TimeSpan.FromMinutes(5) };
        using var server = new TcpRelayTestServer(workers: 1, limits: limits);
        using var dribbler = TcpRelayTestClient.Connect(server.Tcp);
        using var chatty = TcpRelayTestClient.Connect(server.Tcp);
        Assert.Equal(0, EngineHarness.ErrorCodeOf(dribbler.Request(StunMethod.Binding)));

        // ChannelData announcing 1,000 bytes, sent a byte at a time: never complete within the test.
        byte[] frame = new byte[1004];
        frame[0] = 0x40;
        frame[2] = 1000 >> 8;
        frame[3] = 1000 & 0xFF;
        var clock = Stopwatch.StartNew();
        int sent = 0;
        bool closed = false;
        while (!closed && clock.Elapsed < Timeout)
        {
            closed = !TrySend(dribbler.Socket, frame.AsSpan(sent++, 1)) || ClosedWithin(dribbler.Socket, TimeSpan.FromMilliseconds(200));
            Assert.Equal(0, EngineHarness.ErrorCodeOf(chatty.Request(StunMethod.Binding)));
        }

        Assert.True(closed, "partial bytes kept the connection open");
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));

        // The one that completes a message every 200 ms outlives the idle timeout several times over.
        while (clock.Elapsed < TimeSpan.FromSeconds(3.5))
        {
            Assert.Equal(0, EngineHarness.ErrorCodeOf(chatty.Request(StunMethod.Binding)));
            Assert.False(ClosedWithin(chatty.Socket, TimeSpan.FromMilliseconds(200)), "a connection completing messages was closed");
        }
    }

    [Fact]
    public void OnlyIncompleteMessagesHoldInputBuffersAndOnlyAsMuchAsArrived()
    {
        const int Clients = 20;
        using var server = new TcpRelayTestServer(workers: 2);
        var clients = new List<TcpRelayTestClient>();
        try
        {
            for (int i = 0; i < Clients; i++)
            {
                clients.Add(TcpRelayTestClient.Connect(server.Tcp));
                Assert.Equal(0, EngineHarness.ErrorCodeOf(clients[i].Request(StunMethod.Binding)));
            }

            Assert.Equal((0, 0L), server.PartialMessages); // connections that have nothing half-received hold no buffer

            // Each announces a 64 KiB message and sends its first 4 bytes: a 4 KiB buffer each, not 64 KiB.
            byte[] big = BindingRequest(bodyLength: 65532);
            clients.ForEach(c => c.Write(big.AsSpan(0, 4)));
            Assert.True(TcpRelayTestServer.WaitUntil(() => server.PartialMessages.Connections == Clients, Timeout));
            Assert.Equal(Clients * 4096L, server.PartialMessages.Bytes);

            // Completed (the engine drops the zero-filled body), every buffer goes back and the framing holds.
            clients.ForEach(c => c.Write(big.AsSpan(4)));
            Assert.True(TcpRelayTestServer.WaitUntil(() => server.PartialMessages == (0, 0L), Timeout), $"still held: {server.PartialMessages}");
            clients.ForEach(c => Assert.Equal(0, EngineHarness.ErrorCodeOf(c.Request(StunMethod.Binding))));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void ThePerSourceLimitCoversEveryListenerOnIPv6Loopback()
    {
        var limits = new TcpListenerLimits { MaxConnectionsPerSource = 3 };
        using var server = new TcpRelayTestServer(workers: 1, tls: true, limits: limits, address: IPAddress.IPv6Loopback);
        StunAddress me = StunAddress.Parse("[::1]:0");
        var open = new List<TcpRelayTestClient>
        {
            TcpRelayTestClient.Connect(server.Tcp),
            TcpRelayTestClient.Connect(server.Tls, tls: true),
            TcpRelayTestClient.Connect(server.Tcp),
        };
        try
        {
            open.ForEach(c => Assert.Equal(0, EngineHarness.ErrorCodeOf(c.Request(StunMethod.Binding))));
            Assert.Equal(3, server.Listeners.ClientSources.CountOf(me));

            using (var fourth = TcpRelayTestClient.Connect(server.Tcp))
            {
                Assert.True(fourth.EndsWithin(Timeout), "a fourth connection from ::1 was served");
            }

            open[0].Dispose();
            open.RemoveAt(0);
            Assert.True(TcpRelayTestServer.WaitUntil(() => server.Listeners.ClientSources.CountOf(me) == 2, Timeout));
            open.Add(TcpRelayTestClient.Connect(server.Tcp));
            Assert.Equal(0, EngineHarness.ErrorCodeOf(open[^1].Request(StunMethod.Binding)));
        }
        finally
        {
            open.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void SourcesAreCountedPerIPv4AddressAndPerIPv6Slash64()
    {
        var counter = new SourceCounter(2);
        StunAddress host = StunAddress.Parse("[2001:db8:7:7::1]:1000");
        StunAddress sameSlash64 = StunAddress.Parse("[2001:db8:7:7:abcd::2]:2000");
        StunAddress nextSlash64 = StunAddress.Parse("[2001:db8:7:8::1]:1000");
        Assert.True(counter.TryAdd(host));
        Assert.True(counter.TryAdd(sameSlash64));
        Assert.False(counter.TryAdd(StunAddress.Parse("[2001:db8:7:7:ffff:ffff:ffff:ffff]:1")));
        Assert.True(counter.TryAdd(nextSlash64));

        Assert.True(counter.TryAdd(StunAddress.Parse("192.0.2.1:1")));
        Assert.True(counter.TryAdd(StunAddress.Parse("[::ffff:192.0.2.1]:2"))); // the same IPv4 host
        Assert.False(counter.TryAdd(StunAddress.Parse("192.0.2.1:3")));
        Assert.True(counter.TryAdd(StunAddress.Parse("192.0.2.2:1")));

        counter.Remove(host);
        Assert.Equal(1, counter.CountOf(sameSlash64));
        Assert.True(counter.TryAdd(host));
        counter.Remove(host);
        counter.Remove(sameSlash64);
        counter.Remove(nextSlash64);
        counter.Remove(StunAddress.Parse("192.0.2.1:1"));
        counter.Remove(StunAddress.Parse("192.0.2.1:2"));
        counter.Remove(StunAddress.Parse("192.0.2.2:1"));
        Assert.Equal(0, counter.Sources); // nothing left behind for sources that went away
    }

    /// <summary>A Binding request; with <paramref name="bodyLength"/>, followed by that many zero bytes the header announces.</summary>
    internal static byte[] BindingRequest(int bodyLength = 0)
    {
        var w = new StunMessageWriter(new byte[Stun.HeaderLength]);
        w.WriteHeader(StunMethod.Binding, StunClass.Request, Guid.NewGuid().ToByteArray()[..12]);
        byte[] message = new byte[Stun.HeaderLength + bodyLength];
        w.Written.CopyTo(message);
        message[2] = (byte)(bodyLength >> 8);
        message[3] = (byte)bodyLength;
        return message;
    }

    /// <summary>True when the peer closed <paramref name="socket"/> (end of stream or reset) within <paramref name="wait"/>; data is read away.</summary>
    internal static bool ClosedWithin(Socket socket, TimeSpan wait)
    {
        byte[] sink = new byte[4096];
        var clock = Stopwatch.StartNew();
        while (socket.Poll(Math.Max(0, (int)(wait - clock.Elapsed).TotalMicroseconds), SelectMode.SelectRead))
        {
            try
            {
                if (socket.Receive(sink) == 0)
                {
                    return true;
                }
            }
            catch (SocketException)
            {
                return true; // reset
            }

            if (clock.Elapsed >= wait)
            {
                break;
            }
        }

        return false;
    }

    /// <summary>False when the server already closed the connection (the write is refused).</summary>
    internal static bool TrySend(Socket socket, ReadOnlySpan<byte> data)
    {
        try
        {
            socket.Send(data);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
