using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Turn.Protocol;

namespace Turn.Client.Tests;

public sealed class StunUdpClientTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task BindingReturnsTheReflexiveAddressOnTheFirstTransmission()
    {
        await using var server = UdpResponder.Echo();
        using var client = new StunUdpClient(AddressFamily.InterNetwork, new IPEndPoint(IPAddress.Loopback, 0), StunPackets.Patient);

        StunBindingResponse r = await client.BindingAsync(server.EndPoint).WaitAsync(Bound);

        Assert.True(r.IsSuccess);
        Assert.Equal(client.LocalEndPoint, r.XorMappedAddress);
        Assert.Equal(r.XorMappedAddress, r.ReflexiveAddress);
        Assert.Equal(server.EndPoint, r.RemoteEndPoint);
        Assert.Equal(1, r.Transmissions);
        byte[] request = Assert.Single(server.Requests);
        Assert.Equal(Stun.HeaderLength, request.Length); // a bare Binding request, like coturn's client
        Assert.Equal([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42], request[..8]);
    }

    [Fact]
    public async Task ADroppedRequestIsRetransmittedWithTheSameTransactionId()
    {
        // The first datagram is "lost"; every later one is answered.
        await using var server = new UdpResponder((i, req, from) => i == 0 ? [] : [(StunPackets.Success(req, from), from)]);
        using var client = new StunUdpClient(AddressFamily.InterNetwork, new IPEndPoint(IPAddress.Loopback, 0), StunPackets.Patient);
        var clock = Stopwatch.StartNew();

        StunBindingResponse r = await client.BindingAsync(server.EndPoint).WaitAsync(Bound);

        Assert.True(r.IsSuccess);
        Assert.True(r.Transmissions >= 2, $"transmissions {r.Transmissions}");
        Assert.True(clock.Elapsed >= StunPackets.Patient.InitialRto * 0.9, $"answered after {clock.Elapsed}, before the first RTO ran out");
        byte[][] requests = server.Requests.ToArray();
        Assert.True(requests.Length >= 2);
        Assert.All(requests, q => Assert.Equal(requests[0], q)); // retransmissions are byte-identical
    }

    [Fact]
    public async Task NoAnswerTimesOutAfterTheWholeSchedule()
    {
        await using var server = new UdpResponder((_, _, _) => []);
        StunClientOptions o = StunPackets.Fast; // 50 + 100 + 100 ms
        using var client = new StunUdpClient(AddressFamily.InterNetwork, new IPEndPoint(IPAddress.Loopback, 0), o);
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<StunTimeoutException>(() => client.BindingAsync(server.EndPoint).WaitAsync(Bound));

        Assert.Equal(3, e.Transmissions);
        Assert.Equal(StunTransport.Udp, e.Transport);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(240), $"gave up after {clock.Elapsed}");
        Assert.Contains("no STUN response from 127.0.0.1:", e.Message);
        await server.WaitForRequestsAsync(3, Bound);
        Assert.Equal(3, server.Count);
    }

    [Fact]
    public async Task TheOverallTimeoutCutsTheScheduleShort()
    {
        await using var server = new UdpResponder((_, _, _) => []);
        var o = new StunClientOptions { Timeout = TimeSpan.FromMilliseconds(150) }; // RFC schedule: first RTO is 500 ms
        using var client = new StunUdpClient(AddressFamily.InterNetwork, new IPEndPoint(IPAddress.Loopback, 0), o);
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<StunTimeoutException>(() => client.BindingAsync(server.EndPoint).WaitAsync(Bound));

        Assert.Equal(1, e.Transmissions);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(140), $"gave up after {clock.Elapsed}");
    }

    [Fact]
    public async Task ResponsesWithAnotherTransactionIdOrBadFingerprintAreIgnored()
    {
        var decoy = new IPEndPoint(IPAddress.Parse("192.0.2.99"), 9);
        await using var server = new UdpResponder((_, req, from) =>
        [
            (StunPackets.Success(req, decoy, transactionId: new byte[12]), from),           // another transaction
            ([0x17, 0x03, 0x03, 0x00, 0x01, 0x00], from),                                       // not STUN at all
            (StunPackets.Success(req, decoy, fingerprint: true, corruptFingerprint: true), from), // ours, but damaged
            (StunPackets.Success(req, from, fingerprint: true), from),                          // the real answer
        ]);
        using var client = new StunUdpClient(AddressFamily.InterNetwork, new IPEndPoint(IPAddress.Loopback, 0), StunPackets.Patient);

        StunBindingResponse r = await client.BindingAsync(server.EndPoint).WaitAsync(Bound);

        Assert.Equal(client.LocalEndPoint, r.XorMappedAddress);
        Assert.True(r.HasFingerprint);
    }

    [Fact]
    public async Task OnlyMismatchedTransactionIdsMeansATimeout()
    {
        await using var server = new UdpResponder((_, req, from) =>
        {
            byte[] otherId = StunPackets.TransactionId(req);
            otherId[0] ^= 0x80;
            return [(StunPackets.Success(req, from, transactionId: otherId), from)];
        });
        using var client = new StunUdpClient(AddressFamily.InterNetwork, new IPEndPoint(IPAddress.Loopback, 0), StunPackets.Fast);

        var e = await Assert.ThrowsAsync<StunTimeoutException>(() => client.BindingAsync(server.EndPoint).WaitAsync(Bound));

        Assert.Equal(3, e.Transmissions);
    }

    [Fact]
    public async Task AnErrorResponseIsReturnedNotThrown()
    {
        await using var server = new UdpResponder((_, req, from) => [(StunPackets.Error(req, 420, "Unknown Attribute"), from)]);
        using var client = new StunUdpClient(AddressFamily.InterNetwork, new IPEndPoint(IPAddress.Loopback, 0), StunPackets.Patient);

        StunBindingResponse r = await client.BindingAsync(server.EndPoint, new StunBindingRequest { ChangeIp = true, ChangePort = true }).WaitAsync(Bound);

        Assert.False(r.IsSuccess);
        Assert.Equal(StunClass.ErrorResponse, r.Class);
        Assert.Equal(420, r.ErrorCode);
        Assert.Equal("Unknown Attribute", r.ErrorReason);
        Assert.Null(r.ReflexiveAddress);
    }

    [Fact]
    public async Task Rfc5780AttributesAreRead()
    {
        var other = new IPEndPoint(IPAddress.Parse("127.0.0.2"), 3479);
        await using var server = new UdpResponder((_, req, from) =>
            [(StunPackets.Success(req, from, other: other, origin: new IPEndPoint(IPAddress.Loopback, 3478), software: "test 1.0"), from)]);
        using var client = new StunUdpClient(AddressFamily.InterNetwork, new IPEndPoint(IPAddress.Loopback, 0), StunPackets.Patient);

        StunBindingResponse r = await client.BindingAsync(server.EndPoint).WaitAsync(Bound);

        Assert.Equal(other, r.OtherAddress);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 3478), r.ResponseOrigin);
        Assert.Equal("test 1.0", r.Software);
    }

    [Fact]
    public async Task TheResponseCanBeAwaitedOnTheResponsePortSocket()
    {
        // RFC 5780 RESPONSE-PORT: the server answers to another port of ours.
        await using var server = new UdpResponder((_, req, from) =>
        {
            StunMessage.TryParse(req, out StunMessage m);
            Assert.True(m.TryGetAttribute(StunAttributeType.ResponsePort, out ReadOnlySpan<byte> v));
            Assert.True(StunAttributeReader.TryReadResponsePort(v, out ushort port));
            return [(StunPackets.Success(req, from), new IPEndPoint(from.Address, port))];
        });
        using var responseSocket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        responseSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        ushort responsePort = (ushort)((IPEndPoint)responseSocket.LocalEndPoint!).Port;
        using var client = new StunUdpClient(AddressFamily.InterNetwork, new IPEndPoint(IPAddress.Loopback, 0), StunPackets.Patient);

        StunBindingResponse r = await client.BindingAsync(server.EndPoint, new StunBindingRequest { ResponsePort = responsePort }, responseSocket).WaitAsync(Bound);

        Assert.Equal(client.LocalEndPoint, r.XorMappedAddress); // mapped = where the request came from
        Assert.Equal(responseSocket.LocalEndPoint, r.LocalEndPoint);
    }

    [Fact]
    public async Task CancellationStopsTheTransaction()
    {
        await using var server = new UdpResponder((_, _, _) => []);
        using var client = new StunUdpClient(AddressFamily.InterNetwork, new IPEndPoint(IPAddress.Loopback, 0));
        using var cts = new CancellationTokenSource();
        Task<StunBindingResponse> t = client.BindingAsync(server.EndPoint, cancellationToken: cts.Token);
        await server.WaitForRequestsAsync(1, Bound);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => t.WaitAsync(Bound));
    }

    [Fact]
    public async Task TheStaticHelperWorksOverUdp()
    {
        await using var server = UdpResponder.Echo();
        StunBindingResponse r = await StunClient.BindingAsync(server.EndPoint, StunTransport.Udp, options: StunPackets.Patient).WaitAsync(Bound);
        Assert.Equal(IPAddress.Loopback, r.XorMappedAddress!.Address);
        Assert.Equal(r.LocalEndPoint!.Port, r.XorMappedAddress.Port); // the socket is bound to the wildcard address
    }
}
