namespace Turn.Protocol.Tests;

public class HeaderTests
{
    [Theory]
    [InlineData(StunMethod.Binding, StunClass.Request, 0x0001)]
    [InlineData(StunMethod.Binding, StunClass.SuccessResponse, 0x0101)]
    [InlineData(StunMethod.Binding, StunClass.ErrorResponse, 0x0111)]
    [InlineData(StunMethod.Binding, StunClass.Indication, 0x0011)]
    [InlineData(StunMethod.Allocate, StunClass.Request, 0x0003)]
    [InlineData(StunMethod.Allocate, StunClass.SuccessResponse, 0x0103)]
    [InlineData(StunMethod.Allocate, StunClass.ErrorResponse, 0x0113)]
    [InlineData(StunMethod.Refresh, StunClass.Request, 0x0004)]
    [InlineData(StunMethod.Send, StunClass.Indication, 0x0016)]
    [InlineData(StunMethod.Data, StunClass.Indication, 0x0017)]
    [InlineData(StunMethod.CreatePermission, StunClass.Request, 0x0008)]
    [InlineData(StunMethod.ChannelBind, StunClass.SuccessResponse, 0x0109)]
    [InlineData(StunMethod.Connect, StunClass.Request, 0x000A)]
    [InlineData(StunMethod.ConnectionBind, StunClass.Request, 0x000B)]
    [InlineData(StunMethod.ConnectionAttempt, StunClass.Indication, 0x001C)]
    public void Message_type_encodes_method_and_class(StunMethod method, StunClass cls, int type)
    {
        Assert.Equal((ushort)type, Stun.GetMessageType(method, cls));
        Assert.Equal(method, Stun.GetMethod((ushort)type));
        Assert.Equal(cls, Stun.GetClass((ushort)type));
    }

    [Fact]
    public void Every_method_and_class_round_trips_through_the_14_bit_type()
    {
        for (int method = 0; method < 0x1000; method++)
        {
            for (int cls = 0; cls < 4; cls++)
            {
                ushort type = Stun.GetMessageType((ushort)method, (StunClass)cls);
                Assert.True(type < 0x4000);
                Assert.Equal(method, Stun.GetMethodValue(type));
                Assert.Equal((StunClass)cls, Stun.GetClass(type));
            }
        }

        Assert.Equal(0x3EEF, Stun.GetMessageType(0xFFF, StunClass.Request));
        Assert.Equal(0x3FFF, Stun.GetMessageType(0xFFF, StunClass.ErrorResponse));
    }

    [Fact]
    public void Header_fields_are_exposed()
    {
        byte[] bytes = TestHelpers.Build(StunMethod.ChannelBind, StunClass.Request, (ref StunMessageWriter w) => w.AddChannelNumber(0x4001));
        StunMessage m = TestHelpers.ParseOk(bytes);
        Assert.Equal(0x0009, m.MessageType);
        Assert.Equal(StunMethod.ChannelBind, m.Method);
        Assert.True(m.IsRequest);
        Assert.True(m.HasMagicCookie);
        Assert.Equal(8, m.BodyLength);
        Assert.Equal(TestHelpers.TransactionId, m.TransactionId.ToArray());
        Assert.Equal(bytes.Length, m.Raw.Length);
    }

    [Fact]
    public void Classic_rfc3489_request_is_parsed_without_cookie()
    {
        // Binding request, 16-byte transaction id, CHANGE-REQUEST (0x0003) with change-port set.
        byte[] classic = TestHelpers.Hex("0001 0008 00112233445566778899aabbccddeeff 0003 0004 00000002");
        StunMessage m = TestHelpers.ParseOk(classic);
        Assert.False(m.HasMagicCookie);
        Assert.Equal(StunMethod.Binding, m.Method);
        Assert.Equal(TestHelpers.Hex("00112233445566778899aabbccddeeff"), m.ClassicTransactionId.ToArray());
        Assert.True(StunAttributeReader.TryReadChangeRequest(TestHelpers.Attribute(m, StunAttributeType.ChangeRequest), out bool ip, out bool port));
        Assert.False(ip);
        Assert.True(port);

        // And the server's answer: classic header, MAPPED-ADDRESS.
        var buffer = new byte[128];
        var w = new StunMessageWriter(buffer);
        w.WriteClassicHeader(0x0101, m.ClassicTransactionId);
        w.AddAddress(StunAttributeType.MappedAddress, StunAddress.Parse("198.51.100.7:4000"));
        w.AddAddress(StunAttributeType.SourceAddress, StunAddress.Parse("203.0.113.1:3478"));
        StunMessage response = TestHelpers.ParseOk(w.Written);
        Assert.False(response.HasMagicCookie);
        Assert.Equal(StunClass.SuccessResponse, response.Class);
        Assert.Equal(m.ClassicTransactionId.ToArray(), response.ClassicTransactionId.ToArray());
        Assert.True(response.TryGetAddress(StunAttributeType.MappedAddress, out StunAddress mapped));
        Assert.Equal("198.51.100.7:4000", mapped.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("0001")]
    [InlineData("0001 0000 2112a442 0102030405060708090a0b")] // 19 bytes
    [InlineData("8001 0000 2112a442 0102030405060708090a0b0c")] // first bits 10
    [InlineData("4001 0000 2112a442 0102030405060708090a0b0c")] // first bits 01: ChannelData
    [InlineData("c001 0000 2112a442 0102030405060708090a0b0c")]
    [InlineData("0001 0004 00000000 0102030405060708090a0b0c")] // no cookie, length says 4, nothing follows
    [InlineData("16fe fd00 00000000 0000000000000000000000000000")] // DTLS-like record
    public void Not_stun(string hex)
    {
        Assert.Equal(StunParseStatus.NotStun, StunMessage.TryParse(TestHelpers.Hex(hex), out StunMessage m));
        Assert.False(m.IsValid);
        Assert.Equal(0, m.MessageType);
        Assert.True(m.TransactionId.IsEmpty);
        Assert.False(m.TryGetAttribute(StunAttributeType.Username, out _));
        Assert.False(StunIntegrity.VerifyMessageIntegrity(m, [1]));
        Assert.False(StunIntegrity.VerifyFingerprint(m));
    }

    [Theory]
    [InlineData("0001 0004 2112a442 0102030405060708090a0b0c")] // length beyond the packet
    [InlineData("0001 0002 2112a442 0102030405060708090a0b0c 0000")] // length not a multiple of 4
    [InlineData("0001 0000 2112a442 0102030405060708090a0b0c 00000000")] // trailing bytes after the message
    [InlineData("0001 0004 2112a442 0102030405060708090a0b0c 0006 0004")] // attribute value missing
    [InlineData("0001 0008 2112a442 0102030405060708090a0b0c 0006 0005 61626364")] // padding missing
    [InlineData("0001 0008 2112a442 0102030405060708090a0b0c 8028 0003 00000000")] // FINGERPRINT of 3 bytes
    public void Malformed_with_cookie(string hex)
    {
        Assert.Equal(StunParseStatus.Malformed, StunMessage.TryParse(TestHelpers.Hex(hex), out _));
    }

    [Fact]
    public void LooksLikeStun_checks_cookie_and_bits()
    {
        Assert.True(Stun.LooksLikeStun(TestHelpers.Hex("0001 0000 2112a442 0102030405060708090a0b0c")));
        Assert.False(Stun.LooksLikeStun(TestHelpers.Hex("0001 0000 2112a443 0102030405060708090a0b0c")));
        Assert.False(Stun.LooksLikeStun(TestHelpers.Hex("4001 0000 2112a442 0102030405060708090a0b0c")));
    }
}
