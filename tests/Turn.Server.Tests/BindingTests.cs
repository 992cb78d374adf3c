using System.Net;
using Turn.Protocol;
using Turn.Server;

namespace Turn.Server.Tests;

public sealed class BindingTests
{
    private static readonly StunAddress Client = StunAddress.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("192.0.2.7"), 40001));
    private static readonly StunAddress ClientV6 = StunAddress.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("2001:db8::7"), 40002));
    private static readonly StunAddress Local = StunAddress.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("198.51.100.1"), 3478));
    private static readonly byte[] TxId = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

    private static readonly StunServiceOptions Defaults = new() { Software = "test-server" };

    [Fact]
    public void BindingAnswersXorMappedMappedResponseOriginAndSoftware()
    {
        byte[] response = Process(Defaults, Request(), Client);
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(response, out StunMessage m));
        Assert.Equal(StunMethod.Binding, m.Method);
        Assert.Equal(StunClass.SuccessResponse, m.Class);
        Assert.True(m.TransactionId.SequenceEqual(TxId));
        Assert.Equal(Client, ReadXor(m, StunAttributeType.XorMappedAddress));
        Assert.Equal(Client, ReadPlain(m, StunAttributeType.MappedAddress));
        Assert.Equal(Local, ReadPlain(m, StunAttributeType.ResponseOrigin));
        Assert.True(m.TryGetAttribute(StunAttributeType.Software, out ReadOnlySpan<byte> sw));
        Assert.Equal("test-server", System.Text.Encoding.UTF8.GetString(sw));
        Assert.False(m.HasFingerprint);
    }

    [Fact]
    public void IPv6ClientsGetIPv6MappedAddresses()
    {
        byte[] response = Process(Defaults, Request(), ClientV6);
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(response, out StunMessage m));
        Assert.Equal(ClientV6, ReadXor(m, StunAttributeType.XorMappedAddress));
    }

    [Fact]
    public void FingerprintIsEchoedWhenTheRequestHadOneOrWhenForced()
    {
        byte[] withFp = Process(Defaults, Request(fingerprint: true), Client);
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(withFp, out StunMessage a));
        Assert.True(a.HasFingerprint);
        Assert.True(StunIntegrity.VerifyFingerprint(a));

        byte[] forced = Process(Defaults with { AlwaysFingerprint = true }, Request(), Client);
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(forced, out StunMessage b));
        Assert.True(b.HasFingerprint);
    }

    [Fact]
    public void OptionsRemoveSoftwareMappedAddressAndResponseOrigin()
    {
        var options = new StunServiceOptions { Software = null, MappedAddressForOldClients = false, ResponseOrigin = false };
        byte[] response = Process(options, Request(), Client);
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(response, out StunMessage m));
        Assert.False(m.TryGetAttribute(StunAttributeType.Software, out _));
        Assert.False(m.TryGetAttribute(StunAttributeType.MappedAddress, out _));
        Assert.False(m.TryGetAttribute(StunAttributeType.ResponseOrigin, out _));
        Assert.Equal(Client, ReadXor(m, StunAttributeType.XorMappedAddress));
    }

    [Fact]
    public void UnknownComprehensionRequiredAttributeGets420ListingIt()
    {
        byte[] request = Request(extra: (0x0031, [0, 0, 0, 0]));
        byte[] response = Process(Defaults, request, Client);
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(response, out StunMessage m));
        Assert.Equal(StunClass.ErrorResponse, m.Class);
        Assert.Equal(420, ErrorCode(m));
        Assert.True(m.TryGetAttribute(StunAttributeType.UnknownAttributes, out ReadOnlySpan<byte> unknown));
        Assert.Equal(new byte[] { 0x00, 0x31 }, unknown[..2].ToArray());
    }

    [Fact]
    public void UnknownComprehensionOptionalAttributeIsIgnored()
    {
        byte[] response = Process(Defaults, Request(extra: (0x8fff, [1, 2, 3, 4])), Client);
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(response, out StunMessage m));
        Assert.Equal(StunClass.SuccessResponse, m.Class);
    }

    [Fact]
    public void ChangeRequestWithoutASecondAddressGets420()
    {
        byte[] response = Process(Defaults, Request(extra: ((ushort)StunAttributeType.ChangeRequest, [0, 0, 0, 6])), Client);
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(response, out StunMessage m));
        Assert.Equal(420, ErrorCode(m));
    }

    [Fact]
    public void AttributeOverrunningTheMessageIsDroppedSilently()
    {
        byte[] request = Request(extra: (0x8022, [1, 2, 3, 4]));
        request[22] = 0; request[23] = 200; // SOFTWARE claims 200 bytes, 4 present
        var processor = new StunRequestProcessor(Defaults);
        Assert.Equal(0, processor.Process(request, new PacketContext(Client, Local, TransportKind.Udp), new byte[1500]));
        Assert.Equal(1, processor.Counters.Dropped(DropReason.Malformed));
    }

    [Fact]
    public void UnknownMethodGets400()
    {
        byte[] response = Process(Defaults, Request(method: (StunMethod)0x0FF), Client);
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(response, out StunMessage m));
        Assert.Equal(400, ErrorCode(m));
        Assert.True(m.TransactionId.SequenceEqual(TxId));
    }

    [Fact]
    public void BadFingerprintIsDroppedSilently()
    {
        byte[] request = Request(fingerprint: true);
        request[^1] ^= 0xFF;
        var processor = new StunRequestProcessor(Defaults);
        Assert.Equal(0, processor.Process(request, new PacketContext(Client, Local, TransportKind.Udp), new byte[1500]));
        Assert.Equal(1, processor.Counters.Dropped(DropReason.BadFingerprint));
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4 })] // ChannelData
    [InlineData(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x10 })]         // TLS record
    public void NonStunIsDroppedSilently(byte[] packet)
    {
        var processor = new StunRequestProcessor(Defaults);
        Assert.Equal(0, processor.Process(packet, new PacketContext(Client, Local, TransportKind.Udp), new byte[1500]));
        Assert.Equal(1, processor.Counters.TotalDropped);
    }

    [Fact]
    public void ResponsesAndIndicationsGetNoAnswer()
    {
        var processor = new StunRequestProcessor(Defaults);
        Assert.Equal(0, processor.Process(Request(cls: StunClass.Indication), new PacketContext(Client, Local, TransportKind.Udp), new byte[1500]));
        Assert.Equal(0, processor.Process(Request(cls: StunClass.SuccessResponse), new PacketContext(Client, Local, TransportKind.Udp), new byte[1500]));
        Assert.Equal(2, processor.Counters.Dropped(DropReason.NotARequest));
    }

    [Fact]
    public void NoStunDropsBindingAndStunOnlyDropsTurn()
    {
        var noStun = new StunRequestProcessor(Defaults with { NoStun = true });
        Assert.Equal(0, noStun.Process(Request(), new PacketContext(Client, Local, TransportKind.Udp), new byte[1500]));
        var stunOnly = new StunRequestProcessor(Defaults with { StunOnly = true });
        Assert.Equal(0, stunOnly.Process(Request(method: StunMethod.Allocate), new PacketContext(Client, Local, TransportKind.Udp), new byte[1500]));
        Assert.NotEqual(0, stunOnly.Process(Request(), new PacketContext(Client, Local, TransportKind.Udp), new byte[1500]));
    }

    [Fact]
    public void ClassicRfc3489RequestGetsMappedSourceAndChangedAddress()
    {
        byte[] request = new byte[20];
        request[1] = 0x01;
        for (int i = 4; i < 20; i++)
        {
            request[i] = (byte)(0xA0 + i);
        }

        byte[] response = Process(Defaults, request, Client);
        Assert.Equal(0x01, response[0]);
        Assert.Equal(0x01, response[1]);
        Assert.Equal(request[4..20], response[4..20]); // the 16-byte RFC 3489 transaction id
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(response, out StunMessage m));
        Assert.False(m.HasMagicCookie);
        Assert.Equal(Client, ReadPlain(m, StunAttributeType.MappedAddress));
        Assert.False(m.TryGetAttribute(StunAttributeType.XorMappedAddress, out _));
        // Every attribute length is a multiple of 4 for RFC 3489 parsers.
        for (int i = 20; i < response.Length;)
        {
            int len = (response[i + 2] << 8) | response[i + 3];
            Assert.Equal(0, len % 4);
            i += 4 + len;
        }
    }

    [Fact]
    public void ProcessingAllocatesNothing()
    {
        var processor = new StunRequestProcessor(Defaults with { AlwaysFingerprint = true });
        byte[] request = Request(fingerprint: true);
        byte[] response = new byte[1500];
        var context = new PacketContext(Client, Local, TransportKind.Udp);
        processor.Process(request, context, response); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            processor.Process(request, context, response);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static byte[] Process(StunServiceOptions options, byte[] request, StunAddress client)
    {
        var processor = new StunRequestProcessor(options);
        byte[] buffer = new byte[1500];
        int n = processor.Process(request, new PacketContext(client, Local, TransportKind.Udp), buffer);
        Assert.True(n > 0, "no response");
        return buffer[..n];
    }

    private static byte[] Request(StunMethod method = StunMethod.Binding, StunClass cls = StunClass.Request, bool fingerprint = false, (ushort Type, byte[] Value)? extra = null)
    {
        byte[] buffer = new byte[512];
        var w = new StunMessageWriter(buffer);
        w.WriteHeader(method, cls, TxId);
        if (extra is { } e)
        {
            w.AddAttribute((StunAttributeType)e.Type, e.Value);
        }

        if (fingerprint)
        {
            w.AddFingerprint();
        }

        Assert.False(w.Overflowed);
        return buffer[..w.Length];
    }

    private static StunAddress ReadXor(in StunMessage m, StunAttributeType type)
    {
        Assert.True(m.TryGetAttribute(type, out ReadOnlySpan<byte> v), type + " missing");
        Assert.True(StunAttributeReader.TryReadXorAddress(v, m.TransactionId, out StunAddress a));
        return a;
    }

    private static StunAddress ReadPlain(in StunMessage m, StunAttributeType type)
    {
        Assert.True(m.TryGetAttribute(type, out ReadOnlySpan<byte> v), type + " missing");
        Assert.True(StunAttributeReader.TryReadAddress(v, out StunAddress a));
        return a;
    }

    private static int ErrorCode(in StunMessage m)
    {
        Assert.True(m.TryGetAttribute(StunAttributeType.ErrorCode, out ReadOnlySpan<byte> v));
        Assert.True(StunAttributeReader.TryReadErrorCode(v, out int code, out _));
        return code;
    }
}
