using Turn.Protocol;
using Turn.Server.Transports.Proxy;

namespace Turn.Server.Tests;

/// <summary>The PROXY protocol v2 header parser (proxy-protocol.txt §2.2), case by case.</summary>
public sealed class ProxyHeaderParserTests
{
    private static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>TCP over IPv4: 198.51.100.7:4242 → 192.0.2.1:3478.</summary>
    private static byte[] Tcp4(params byte[][] tlvs) => Header(0x21, 0x11,
        [198, 51, 100, 7, 192, 0, 2, 1, 0x10, 0x92, 0x0D, 0x96], tlvs);

    /// <summary>TCP over IPv6: [2001:db8::7]:4242 → [2001:db8::1]:3478.</summary>
    private static byte[] Tcp6() => Header(0x21, 0x21,
        [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7,
         0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
         0x10, 0x92, 0x0D, 0x96], []);

    private static byte[] Header(byte versionCommand, byte familyTransport, byte[] addresses, byte[][] tlvs, int? lengthOverride = null)
    {
        byte[] block = [.. addresses, .. tlvs.SelectMany(t => t)];
        int length = lengthOverride ?? block.Length;
        return [.. Signature, versionCommand, familyTransport, (byte)(length >> 8), (byte)length, .. block];
    }

    private static byte[] Tlv(byte type, int length) => [type, (byte)(length >> 8), (byte)length, .. new byte[length]];

    public static TheoryData<string, byte[], ProxyParseStatus, int> Cases() => new()
    {
        // name, bytes, status, length (Ok: header length; NeedMore: bytes needed)
        { "nothing yet", [], ProxyParseStatus.NeedMore, 16 },
        { "half a signature", Signature[..6], ProxyParseStatus.NeedMore, 16 },
        { "signature only", Signature, ProxyParseStatus.NeedMore, 16 },
        { "fixed part, no addresses yet", Tcp4()[..16], ProxyParseStatus.NeedMore, 28 },
        { "addresses cut short", Tcp4()[..27], ProxyParseStatus.NeedMore, 28 },
        { "TCP4", Tcp4(), ProxyParseStatus.Ok, 28 },
        { "TCP4 followed by the stream", [.. Tcp4(), 0x00, 0x01, 0x00, 0x00], ProxyParseStatus.Ok, 28 },
        { "TCP6", Tcp6(), ProxyParseStatus.Ok, 52 },
        { "TCP4 with TLVs", Tcp4(Tlv(0x01, 2), Tlv(0x04, 0), Tlv(0xEE, 300)), ProxyParseStatus.Ok, 28 + 5 + 3 + 303 },
        { "LOCAL, UNSPEC, no block", Header(0x20, 0x00, [], []), ProxyParseStatus.Ok, 16 },
        { "LOCAL with a block it ignores", Header(0x20, 0x11, new byte[12], []), ProxyParseStatus.Ok, 28 },
        { "PROXY UNSPEC", Header(0x21, 0x00, [], []), ProxyParseStatus.Ok, 16 },
        { "PROXY UDP4", Header(0x21, 0x12, new byte[12], []), ProxyParseStatus.Ok, 28 },
        { "PROXY UNIX stream", Header(0x21, 0x31, new byte[216], []), ProxyParseStatus.Ok, 232 },
        { "plain STUN instead", [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42], ProxyParseStatus.Invalid, 0 },
        { "wrong signature byte", [.. Signature[..11], 0x0B, 0x21, 0x11, 0, 12], ProxyParseStatus.Invalid, 0 },
        { "wrong first byte", [0x0D, 0x0B], ProxyParseStatus.Invalid, 0 },
        { "version 1 text", "PROXY TCP4 198.51.100.7 192.0.2.1 4242 3478\r\n"u8.ToArray(), ProxyParseStatus.Invalid, 0 },
        { "version 1 in the version nibble", Header(0x11, 0x11, new byte[12], []), ProxyParseStatus.Invalid, 0 },
        { "version 3", Header(0x31, 0x11, new byte[12], []), ProxyParseStatus.Invalid, 0 },
        { "unknown command", Header(0x22, 0x11, new byte[12], []), ProxyParseStatus.Invalid, 0 },
        { "unknown family", Header(0x21, 0x41, new byte[12], []), ProxyParseStatus.Invalid, 0 },
        { "unknown transport", Header(0x21, 0x13, new byte[12], []), ProxyParseStatus.Invalid, 0 },
        { "oversized length", Header(0x21, 0x11, new byte[12], [], lengthOverride: ProxyHeaderParser.MaxBlockLength + 1), ProxyParseStatus.Invalid, 0 },
        { "largest length, not all there", Header(0x21, 0x11, new byte[12], [], lengthOverride: ProxyHeaderParser.MaxBlockLength), ProxyParseStatus.NeedMore, 16 + ProxyHeaderParser.MaxBlockLength },
        { "length too short for TCP4", Header(0x21, 0x11, new byte[8], []), ProxyParseStatus.Invalid, 0 },
        { "length too short for TCP6", Header(0x21, 0x21, new byte[12], []), ProxyParseStatus.Invalid, 0 },
        { "TLV header cut by the length", Tcp4(new byte[] { 0x01, 0x00 }), ProxyParseStatus.Invalid, 0 },
        { "TLV value overrunning the length", Tcp4(new byte[] { 0x01, 0x00, 0x05, 1, 2 }), ProxyParseStatus.Invalid, 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ParsesOrRefuses(string name, byte[] data, ProxyParseStatus status, int length)
    {
        ProxyParseStatus got = ProxyHeaderParser.TryParse(data, out _, out int gotLength, out string? error);
        Assert.True(status == got, $"{name}: {got} ({error})");
        Assert.Equal(length, gotLength);
        Assert.Equal(status == ProxyParseStatus.Invalid, error is not null);
    }

    [Fact]
    public void Tcp4GivesTheClientAndTheDestination()
    {
        Assert.Equal(ProxyParseStatus.Ok, ProxyHeaderParser.TryParse(Tcp4(), out ProxyHeader h, out _, out _));
        Assert.Equal(ProxyCommand.Proxy, h.Command);
        Assert.Equal(StunAddress.Parse("198.51.100.7:4242"), h.Source);
        Assert.Equal(StunAddress.Parse("192.0.2.1:3478"), h.Destination);
        Assert.Equal(ProxyVerdict.UseHeaderAddress, h.Verdict);
    }

    [Fact]
    public void Tcp6GivesTheClient()
    {
        Assert.Equal(ProxyParseStatus.Ok, ProxyHeaderParser.TryParse(Tcp6(), out ProxyHeader h, out _, out _));
        Assert.Equal(StunAddress.Parse("[2001:db8::7]:4242"), h.Source);
        Assert.Equal(ProxyVerdict.UseHeaderAddress, h.Verdict);
    }

    [Fact]
    public void IPv4MappedIPv6ClientsBecomeIPv4()
    {
        byte[] mapped = Header(0x21, 0x21,
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 198, 51, 100, 7,
             0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 0, 2, 1, 0x10, 0x92, 0x0D, 0x96], []);
        Assert.Equal(ProxyParseStatus.Ok, ProxyHeaderParser.TryParse(mapped, out ProxyHeader h, out _, out _));
        Assert.Equal(StunAddress.Parse("198.51.100.7:4242"), h.Source);
    }

    [Fact]
    public void TlvsAreSkippedAndCounted()
    {
        Assert.Equal(ProxyParseStatus.Ok, ProxyHeaderParser.TryParse(Tcp4(Tlv(0x01, 2), Tlv(0x04, 0), Tlv(0xEE, 300)), out ProxyHeader h, out _, out _));
        Assert.Equal(3, h.TlvCount);
        Assert.Equal(StunAddress.Parse("198.51.100.7:4242"), h.Source);
    }

    [Theory]
    [InlineData(0x20, 0x00, ProxyVerdict.UseConnectionAddress)] // LOCAL: health checks
    [InlineData(0x20, 0x12, ProxyVerdict.UseConnectionAddress)] // LOCAL ignores the family
    [InlineData(0x21, 0x00, ProxyVerdict.Refuse)]               // PROXY UNSPEC
    [InlineData(0x21, 0x12, ProxyVerdict.Refuse)]               // UDP over IPv4
    [InlineData(0x21, 0x22, ProxyVerdict.Refuse)]               // UDP over IPv6
    [InlineData(0x21, 0x31, ProxyVerdict.Refuse)]               // UNIX stream
    [InlineData(0x21, 0x11, ProxyVerdict.UseHeaderAddress)]
    [InlineData(0x21, 0x21, ProxyVerdict.UseHeaderAddress)]
    public void VerdictFollowsCommandFamilyAndTransport(byte versionCommand, byte familyTransport, ProxyVerdict verdict)
    {
        int block = (familyTransport >> 4) switch { 1 => 12, 2 => 36, 3 => 216, _ => 0 };
        Assert.Equal(ProxyParseStatus.Ok, ProxyHeaderParser.TryParse(Header(versionCommand, familyTransport, new byte[block], []), out ProxyHeader h, out _, out _));
        Assert.Equal(verdict, h.Verdict);
    }

    [Fact]
    public void EveryTruncationOfAValidHeaderAsksForMoreAndNeverReadsPastTheSpan()
    {
        byte[] full = Tcp4(Tlv(0x02, 20), Tlv(0x05, 1));
        for (int cut = 0; cut < full.Length; cut++)
        {
            ProxyParseStatus status = ProxyHeaderParser.TryParse(full.AsSpan(0, cut), out _, out int needed, out _);
            Assert.Equal(ProxyParseStatus.NeedMore, status);
            Assert.True(needed > cut && needed <= full.Length, $"cut {cut}: needs {needed}");
        }

        Assert.Equal(ProxyParseStatus.Ok, ProxyHeaderParser.TryParse(full, out _, out int length, out _));
        Assert.Equal(full.Length, length);
    }

    [Fact]
    public void RandomBytesAfterTheSignatureNeverThrow()
    {
        var random = new Random(5780);
        byte[] buffer = new byte[16 + 300];
        for (int i = 0; i < 20000; i++)
        {
            Signature.CopyTo(buffer, 0);
            random.NextBytes(buffer.AsSpan(12));
            buffer[14] = 0;
            buffer[15] = (byte)random.Next(0, 300);
            int available = random.Next(0, buffer.Length + 1);
            _ = ProxyHeaderParser.TryParse(buffer.AsSpan(0, available), out _, out _, out _);
        }
    }
}
