using Turn.Protocol;
using Turn.Server;
using Turn.Server.Engine;
using Turn.Server.Tests.Engine;

namespace Turn.Server.Tests;

/// <summary>
/// RFC 5780 NAT behaviour discovery in the Binding handler: OTHER-ADDRESS, RESPONSE-ORIGIN, CHANGE-REQUEST
/// answered from another server address, RESPONSE-PORT, PADDING, and the RFC 3489 form, with the
/// answers coturn 4.6.1 gives (checked against it by the interop tests).
/// </summary>
public sealed class Rfc5780BindingTests
{
    private static readonly StunAddress Client = StunAddress.Parse("203.0.113.5:40001");
    private static readonly StunAddress A = StunAddress.Parse("192.0.2.1:0");
    private static readonly StunAddress B = StunAddress.Parse("192.0.2.2:0");
    private static readonly StunAddress C = StunAddress.Parse("192.0.2.3:0");
    private static readonly StunAddress V6 = StunAddress.Parse("[2001:db8::1]:0");
    private static readonly byte[] TxId = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2];

    // Socket ids as a worker numbers its UDP listeners: A:3478, A:3479, B:3478, B:3479.
    private static readonly StunAddress[] Udp = [A.WithPort(3478), A.WithPort(3479), B.WithPort(3478), B.WithPort(3479)];

    private static NatDiscoveryMap TwoAddresses(IReadOnlyList<ExternalAddress>? external = null) =>
        NatDiscoveryMap.Create([A, B], [new PortPair(3478, 3479)], Udp, external);

    private static StunServiceOptions With(NatDiscoveryMap? map) => new() { Software = "test", NatDiscovery = map };

    [Fact]
    public void MapPairsEachAddressWithTheNextOfItsFamilyAndEachPortWithItsAlternate()
    {
        NatDiscoveryMap map = NatDiscoveryMap.Create([A, V6, B, C], [new PortPair(3478, 3479), new PortPair(5349, 5350)], Udp);
        Assert.Equal(B.WithPort(3479), map.Find(A.WithPort(3478))!.Other);
        Assert.Equal(B.WithPort(3478), map.Find(A.WithPort(3479))!.Other);
        Assert.Equal(C.WithPort(3479), map.Find(B.WithPort(3478))!.Other);
        Assert.Equal(A.WithPort(3479), map.Find(C.WithPort(3478))!.Other); // wraps around
        Assert.Equal(B.WithPort(5350), map.Find(A.WithPort(5349))!.Other);
        // A family with one address pairs it with itself (as coturn): only the port differs.
        Assert.Equal(V6.WithPort(3479), map.Find(V6.WithPort(3478))!.Other);
        Assert.Null(map.Find(A.WithPort(4000)));
        // Socket ids: only addresses with a UDP listener have one.
        Assert.Equal(2, map.Find(B.WithPort(3478))!.UdpSocketId);
        Assert.Equal(-1, map.Find(C.WithPort(3478))!.UdpSocketId);
        Assert.Equal(-1, map.Find(A.WithPort(5349))!.UdpSocketId);
    }

    [Fact]
    public void BindingCarriesOtherAddressAndResponseOrigin()
    {
        (StunMessageView m, PacketContext replyTo) = Ask(With(TwoAddresses()), Request(), Udp[0], 0);
        Assert.Equal(StunClass.SuccessResponse, m.Class);
        Assert.Equal(Client, m.Xor(StunAttributeType.XorMappedAddress));
        Assert.Equal(Udp[0], m.Plain(StunAttributeType.ResponseOrigin));
        Assert.Equal(B.WithPort(3479), m.Plain(StunAttributeType.OtherAddress));
        Assert.Equal(Udp[0], replyTo.Local);
        Assert.Equal(0, replyTo.SocketId);
        Assert.Equal(Client, replyTo.Client);
    }

    [Theory]
    [InlineData(0x02, 1)] // change port: A:3479
    [InlineData(0x04, 2)] // change IP: B:3478
    [InlineData(0x06, 3)] // both: B:3479
    public void ChangeRequestIsAnsweredFromTheChangedAddressOverUdp(byte flags, int socketId)
    {
        (StunMessageView m, PacketContext replyTo) = Ask(With(TwoAddresses()), Request(change: flags), Udp[0], 0);
        Assert.Equal(StunClass.SuccessResponse, m.Class);
        Assert.Equal(socketId, replyTo.SocketId);
        Assert.Equal(Udp[socketId], replyTo.Local);
        Assert.Equal(Client, replyTo.Client);
        Assert.Equal(Udp[socketId], m.Plain(StunAttributeType.ResponseOrigin));
        // RFC 5780 §7.4: OTHER-ADDRESS is about the address the request reached.
        Assert.Equal(B.WithPort(3479), m.Plain(StunAttributeType.OtherAddress));
        Assert.Equal(Client, m.Xor(StunAttributeType.XorMappedAddress));
    }

    [Fact]
    public void ChangeRequestWithNoFlagIsAPlainBindingWithOrWithoutRfc5780()
    {
        (StunMessageView on, PacketContext to) = Ask(With(TwoAddresses()), Request(change: 0), Udp[2], 2);
        Assert.Equal(StunClass.SuccessResponse, on.Class);
        Assert.Equal(2, to.SocketId);
        (StunMessageView off, _) = Ask(With(null), Request(change: 0), Udp[0], 0);
        Assert.Equal(StunClass.SuccessResponse, off.Class);
        Assert.False(off.Has(StunAttributeType.OtherAddress));
    }

    [Theory]
    [InlineData(0x02)]
    [InlineData(0x04)]
    [InlineData(0x06)]
    public void ChangeRequestWithoutRfc5780Gets420NamingIt(byte flags)
    {
        (StunMessageView m, PacketContext replyTo) = Ask(With(null), Request(change: flags), Udp[0], 0);
        Assert.Equal(420, m.ErrorCode);
        Assert.Equal(new byte[] { 0x00, 0x03 }, m.Value(StunAttributeType.UnknownAttributes)[..2]);
        Assert.Equal(Udp[0], replyTo.Local);
    }

    [Fact]
    public void RequestsReachingAnAddressOutsideTheMapAreServedWithoutRfc5780()
    {
        StunAddress proxyPort = A.WithPort(4000);
        (StunMessageView m, _) = Ask(With(TwoAddresses()), Request(), proxyPort, 0, TransportKind.Tcp);
        Assert.Equal(StunClass.SuccessResponse, m.Class);
        Assert.False(m.Has(StunAttributeType.OtherAddress));
        Assert.Equal(proxyPort, m.Plain(StunAttributeType.ResponseOrigin));
        (StunMessageView change, _) = Ask(With(TwoAddresses()), Request(change: 0x06), proxyPort, 0, TransportKind.Tcp);
        Assert.Equal(420, change.ErrorCode);
    }

    [Theory]
    [InlineData(TransportKind.Tcp, true)]
    [InlineData(TransportKind.Tls, true)]
    [InlineData(TransportKind.Tcp, false)]
    public void StreamsRefuseChangeRequestResponsePortAndPaddingWith400(TransportKind transport, bool rfc5780)
    {
        StunServiceOptions options = With(rfc5780 ? TwoAddresses() : null);
        if (rfc5780)
        {
            // With RFC 5780 a stream still gets OTHER-ADDRESS (coturn: the alternate ports serve TCP "for symmetry").
            (StunMessageView plain, _) = Ask(options, Request(), Udp[0], 7, transport);
            Assert.Equal(B.WithPort(3479), plain.Plain(StunAttributeType.OtherAddress));
            Assert.Equal(400, Ask(options, Request(change: 0x04), Udp[0], 7, transport).Message.ErrorCode);
        }

        Assert.Equal(400, Ask(options, Request(responsePort: 5000), Udp[0], 7, transport).Message.ErrorCode);
        Assert.Equal(400, Ask(options, Request(padding: 100), Udp[0], 7, transport).Message.ErrorCode);
    }

    [Fact]
    public void ResponsePortRedirectsTheAnswerButNotTheMappedAddress()
    {
        (StunMessageView m, PacketContext replyTo) = Ask(With(TwoAddresses()), Request(responsePort: 5000, change: 0x06), Udp[0], 0);
        Assert.Equal(Client, m.Xor(StunAttributeType.XorMappedAddress));
        Assert.Equal(Client.WithPort(5000), replyTo.Client);
        Assert.Equal(3, replyTo.SocketId);
    }

    [Fact]
    public void ResponsePortOfZeroIsRefused() =>
        Assert.Equal(400, Ask(With(TwoAddresses()), Request(responsePort: 0), Udp[0], 0).Message.ErrorCode);

    [Fact]
    public void WithoutRfc5780ResponsePortAndPaddingAreIgnoredOverUdp()
    {
        (StunMessageView m, PacketContext replyTo) = Ask(With(null), Request(responsePort: 5000, padding: 1500), Udp[0], 0);
        Assert.Equal(StunClass.SuccessResponse, m.Class);
        Assert.Equal(Client, replyTo.Client);
        Assert.False(m.Has(StunAttributeType.Padding));
    }

    [Theory]
    [InlineData(1500, 1500)]
    [InlineData(5, 8)]      // rounded to 4 bytes, and never longer than what the request carried
    [InlineData(4000, 1500)] // capped at the usual MTU
    public void PaddingIsAnsweredWithPaddingAsLongAsTheRequests(int requestPadding, int answerPadding)
    {
        (StunMessageView m, _) = Ask(With(TwoAddresses()), Request(padding: requestPadding), Udp[0], 0, buffer: 8192);
        Assert.Equal(answerPadding, m.Value(StunAttributeType.Padding).Length);
    }

    [Fact]
    public void ExternalIpMappingsAreAdvertisedInOtherAddressAndResponseOrigin()
    {
        StunAddress publicA = StunAddress.Parse("198.51.100.1:0");
        StunAddress publicB = StunAddress.Parse("198.51.100.2:0");
        NatDiscoveryMap map = TwoAddresses([new ExternalAddress(publicA, A), new ExternalAddress(publicB, B)]);
        (StunMessageView m, PacketContext replyTo) = Ask(With(map), Request(change: 0x04), Udp[0], 0);
        Assert.Equal(publicB.WithPort(3478), m.Plain(StunAttributeType.ResponseOrigin));
        Assert.Equal(publicB.WithPort(3479), m.Plain(StunAttributeType.OtherAddress));
        Assert.Equal(Udp[2], replyTo.Local); // sent from the private address, of course
        Assert.Equal(Client, m.Xor(StunAttributeType.XorMappedAddress));
    }

    [Fact]
    public void ClassicRequestWithChangeRequestIsAnsweredFromTheChangedAddress()
    {
        byte[] request = ClassicRequest(change: 0x06);
        var processor = new StunRequestProcessor(With(TwoAddresses()));
        byte[] buffer = new byte[1500];
        int n = processor.Process(request, new PacketContext(Client, Udp[0], TransportKind.Udp, 0), buffer, out PacketContext replyTo);
        Assert.True(n > 0);
        Assert.Equal(request[4..20], buffer[4..20]);
        Assert.Equal(3, replyTo.SocketId);
        var m = new StunMessageView(buffer[..n]);
        Assert.Equal(Client, m.Plain(StunAttributeType.MappedAddress));
        Assert.Equal(Udp[3], m.Plain(StunAttributeType.SourceAddress));
        Assert.Equal(B.WithPort(3479), m.Plain(StunAttributeType.ChangedAddress));
    }

    [Fact]
    public void ClassicChangeRequestWithoutRfc5780Gets420InTheClassicForm()
    {
        byte[] request = ClassicRequest(change: 0x04);
        var processor = new StunRequestProcessor(With(null));
        byte[] buffer = new byte[1500];
        int n = processor.Process(request, new PacketContext(Client, Udp[0], TransportKind.Udp, 0), buffer);
        Assert.True(n > 0);
        Assert.Equal(0x01, buffer[0]);
        Assert.Equal(0x11, buffer[1]);
        Assert.Equal(request[4..20], buffer[4..20]);
        var m = new StunMessageView(buffer[..n]);
        Assert.Equal(420, m.ErrorCode);
        // RFC 3489 parsers step by the length alone: every attribute is a multiple of 4 long.
        for (int i = 20; i < n;)
        {
            int len = (buffer[i + 2] << 8) | buffer[i + 3];
            Assert.Equal(0, len % 4);
            i += 4 + len;
        }
    }

    [Fact]
    public void ClassicAnswersLeaveSourceAndChangedAddressOutWhenResponseOriginIsOff()
    {
        var processor = new StunRequestProcessor(With(null) with { ResponseOrigin = false });
        byte[] buffer = new byte[1500];
        int n = processor.Process(ClassicRequest(change: null), new PacketContext(Client, Udp[0], TransportKind.Udp, 0), buffer);
        var m = new StunMessageView(buffer[..n]);
        Assert.Equal(Client, m.Plain(StunAttributeType.MappedAddress));
        Assert.False(m.Has(StunAttributeType.SourceAddress));
        Assert.False(m.Has(StunAttributeType.ChangedAddress));
    }

    [Fact]
    public void TheEngineSendsTheChangedAnswerThroughTheChangedSocket()
    {
        var h = new EngineHarness(o => o with { Authenticate = false, Stun = o.Stun with { NatDiscovery = TwoAddresses() } });
        h.Engine.OnClientPacket(Request(change: 0x04), new PacketContext(Client, Udp[0], TransportKind.Udp, 0));
        (PacketContext to, byte[] data) = Assert.Single(h.Io.ToClients);
        Assert.Equal(2, to.SocketId);
        Assert.Equal(Udp[2], to.Local);
        Assert.Equal(Client, to.Client);
        Assert.Equal(Udp[2], new StunMessageView(data).Plain(StunAttributeType.ResponseOrigin));
    }

    [Fact]
    public void ChangeRequestsAllocateNothing()
    {
        var processor = new StunRequestProcessor(With(TwoAddresses()));
        byte[] request = Request(change: 0x06, responsePort: 5000, padding: 64);
        byte[] response = new byte[1500];
        var context = new PacketContext(Client, Udp[0], TransportKind.Udp, 0);
        processor.Process(request, context, response, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            processor.Process(request, context, response, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static (StunMessageView Message, PacketContext ReplyTo) Ask(
        StunServiceOptions options, byte[] request, StunAddress local, int socketId, TransportKind transport = TransportKind.Udp, int buffer = 1500)
    {
        var processor = new StunRequestProcessor(options);
        byte[] response = new byte[buffer];
        int n = processor.Process(request, new PacketContext(Client, local, transport, socketId), response, out PacketContext replyTo);
        Assert.True(n > 0, "no answer");
        return (new StunMessageView(response[..n]), replyTo);
    }

    private static byte[] Request(byte? change = null, ushort? responsePort = null, int padding = 0)
    {
        byte[] buffer = new byte[8192];
        var w = new StunMessageWriter(buffer);
        w.WriteHeader(StunMethod.Binding, StunClass.Request, TxId);
        if (change is { } flags)
        {
            w.AddAttribute(StunAttributeType.ChangeRequest, [0, 0, 0, flags]);
        }

        if (responsePort is { } port)
        {
            w.AddResponsePort(port);
        }

        if (padding > 0)
        {
            w.AddPadding(padding);
        }

        Assert.False(w.Overflowed);
        return buffer[..w.Length];
    }

    /// <summary>An RFC 3489 request: no magic cookie, a 16-byte transaction id.</summary>
    private static byte[] ClassicRequest(byte? change)
    {
        byte[] request = new byte[change is null ? 20 : 28];
        request[1] = 0x01;
        request[3] = (byte)(request.Length - 20);
        for (int i = 4; i < 20; i++)
        {
            request[i] = (byte)(0x60 + i);
        }

        if (change is { } flags)
        {
            request[21] = 0x03;
            request[23] = 4;
            request[27] = flags;
        }

        return request;
    }

    /// <summary>A parsed answer, kept as bytes so it can cross method boundaries.</summary>
    private sealed class StunMessageView(byte[] bytes)
    {
        public StunClass Class => Parse().Class;

        public int ErrorCode
        {
            get
            {
                StunMessage m = Parse();
                return m.TryGetErrorCode(out int code, out _) ? code : 0;
            }
        }

        public bool Has(StunAttributeType type) => Parse().TryGetAttribute(type, out _);

        public byte[] Value(StunAttributeType type)
        {
            Assert.True(Parse().TryGetAttribute(type, out ReadOnlySpan<byte> v), type + " missing");
            return v.ToArray();
        }

        public StunAddress Plain(StunAttributeType type)
        {
            Assert.True(StunAttributeReader.TryReadAddress(Value(type), out StunAddress a));
            return a;
        }

        public StunAddress Xor(StunAttributeType type)
        {
            StunMessage m = Parse();
            Assert.True(m.TryGetAttribute(type, out ReadOnlySpan<byte> v), type + " missing");
            Assert.True(StunAttributeReader.TryReadXorAddress(v, m.TransactionId, out StunAddress a));
            return a;
        }

        private StunMessage Parse()
        {
            Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(bytes, out StunMessage m));
            return m;
        }
    }
}
