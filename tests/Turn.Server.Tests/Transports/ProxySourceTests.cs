using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Turn.Protocol;
using Turn.Security;
using Turn.Server.Tests.TcpRelay;
using Turn.Server.Transports;
using Turn.Server.Transports.Proxy;
using TcpListener = Turn.Server.Transports.TcpListener;

namespace Turn.Server.Tests.Transports;

/// <summary>
/// PROXY protocol v2 headers are believed only from the configured load balancers (--tcp-proxy-allowed-ip):
/// a real --tcp-proxy-port listener on 127.0.0.1 served by the workers of <see cref="TcpRelayTestServer"/>.
/// </summary>
public sealed class ProxySourceTests
{
    private static readonly TimeSpan Timeout = TcpRelayTestClient.Timeout;
    private static readonly IPEndPoint ClaimedClient = new(IPAddress.Parse("198.51.100.7"), 4242);

    [Fact]
    public void AHeaderFromASourceNotAllowedIsRefusedUnreadAndOneFromAnAllowedBalancerIsBelieved()
    {
        using var server = new TcpRelayTestServer(workers: 1);
        using TcpListener proxy = TcpListener.BindProxy(
            new IPEndPoint(IPAddress.Loopback, 0), new TcpListenerLimits(), [AddressRange.Parse("127.0.0.2")], NullServerLog.Instance);
        proxy.Start(server.Listeners.Workers);
        byte[] request = [.. Header(ClaimedClient, proxy.LocalEndPoint), .. ClientConnectionBoundsTests.BindingRequest()];

        using (Socket stranger = ConnectFrom(IPAddress.Loopback, proxy.LocalEndPoint))
        {
            ClientConnectionBoundsTests.TrySend(stranger, request);
            Assert.True(ClosedUnanswered(stranger), "a connection from 127.0.0.1 was served");
        }

        Assert.Equal(1, proxy.RefusedProxySources);

        using (Socket balancer = ConnectFrom(IPAddress.Parse("127.0.0.2"), proxy.LocalEndPoint))
        {
            balancer.Send(request);
            byte[] response = ReceiveStun(balancer);
            Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(response, out StunMessage answer));
            Assert.Equal(StunClass.SuccessResponse, answer.Class);
            Assert.True(answer.TryGetXorAddress(StunAttributeType.XorMappedAddress, out StunAddress mapped));
            Assert.Equal(StunAddress.FromIPEndPoint(ClaimedClient), mapped);
        }

        Assert.Equal(1, proxy.RefusedProxySources);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("172.31.255.254", true)]
    [InlineData("192.168.0.10", true)]
    [InlineData("100.64.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("fd12:3456::1", true)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("8.8.8.8", false)]
    [InlineData("172.32.0.1", false)]
    [InlineData("2001:db8::1", false)]
    [InlineData("::ffff:8.8.8.8", false)]
    [InlineData("64:ff9b::a00:1", false)] // NAT64 spelling of 10.0.0.1: from the IPv6 internet, not a private host
    [InlineData("fe80::1", false)]
    public void WithoutAnAllowListOnlyLoopbackAndPrivateSourcesMaySendAHeader(string source, bool allowed)
    {
        var policy = new ProxySourcePolicy([]);
        Assert.True(policy.IsDefault);
        Assert.Equal(allowed, policy.Allows(StunAddress.FromIPAddress(IPAddress.Parse(source), 1234)));
    }

    [Fact]
    public void AnAllowListReplacesTheDefault()
    {
        var policy = new ProxySourcePolicy([AddressRange.Parse("203.0.113.0/28"), AddressRange.Parse("2001:db8:5::/48")]);
        Assert.False(policy.IsDefault);
        Assert.True(policy.Allows(StunAddress.Parse("203.0.113.15:1")));
        Assert.False(policy.Allows(StunAddress.Parse("203.0.113.16:1")));
        Assert.True(policy.Allows(StunAddress.Parse("[2001:db8:5:1::9]:1")));
        Assert.False(policy.Allows(StunAddress.Parse("127.0.0.1:1"))); // loopback is trusted only by default
    }

    private static Socket ConnectFrom(IPAddress local, IPEndPoint server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Bind(new IPEndPoint(local, 0));
        socket.Connect(server);
        return socket;
    }

    /// <summary>True when the server closes the connection without having sent a byte.</summary>
    private static bool ClosedUnanswered(Socket socket)
    {
        socket.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
        try
        {
            return socket.Receive(new byte[512]) == 0;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset)
        {
            return true;
        }
    }

    private static byte[] ReceiveStun(Socket socket)
    {
        socket.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
        byte[] header = new byte[Stun.HeaderLength];
        ReceiveExactly(socket, header);
        byte[] message = new byte[Stun.HeaderLength + BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2))];
        header.CopyTo(message, 0);
        ReceiveExactly(socket, message.AsSpan(Stun.HeaderLength));
        return message;
    }

    private static void ReceiveExactly(Socket socket, Span<byte> into)
    {
        for (int got = 0; got < into.Length;)
        {
            int n = socket.Receive(into[got..]);
            Assert.True(n > 0, "the server closed the connection");
            got += n;
        }
    }

    /// <summary>A PROXY protocol v2 PROXY command for TCP over IPv4 from <paramref name="source"/> to <paramref name="destination"/>.</summary>
    private static byte[] Header(IPEndPoint source, IPEndPoint destination)
    {
        byte[] header = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11, 0, 12, .. new byte[12]];
        source.Address.GetAddressBytes().CopyTo(header, 16);
        destination.Address.GetAddressBytes().CopyTo(header, 20);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(24), (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(26), (ushort)destination.Port);
        return header;
    }
}
