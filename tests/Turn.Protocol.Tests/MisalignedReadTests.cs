using Turn.Protocol;
using static Turn.Protocol.Tests.TestHelpers;

namespace Turn.Protocol.Tests;

/// <summary>
/// coturn 4.10 fixed attribute reads that assumed alignment (a crash on ARM64). Messages that start at every offset
/// of a buffer, with odd-length attributes before the numeric and address ones, parse and read the same.
/// </summary>
public sealed class MisalignedReadTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    public void Coturn4_10_AttributesReadTheSameAtAnyBufferOffset(int offset)
    {
        StunAddress peer = StunAddress.Parse("[2001:db8::5]:40000");
        byte[] message = Build((ref StunMessageWriter w) =>
        {
            w.AddUsername("abc");                          // 3 bytes + 1 of padding
            w.AddAttribute((ushort)0x8070, [0x01]);        // 1 byte + 3 of padding
            w.AddLifetime(0x01020304);
            w.AddXorAddress(StunAttributeType.XorPeerAddress, peer);
            w.AddAttribute(StunAttributeType.ChannelNumber, [0x40, 0x07, 0, 0]);
            w.AddFingerprint();
        });

        byte[] buffer = new byte[offset + message.Length + 3];
        message.CopyTo(buffer, offset);
        StunMessage m = ParseOk(buffer.AsSpan(offset, message.Length));
        Assert.True(m.TryGetUInt32(StunAttributeType.Lifetime, out uint lifetime));
        Assert.Equal(0x01020304u, lifetime);
        Assert.True(m.TryGetXorAddress(StunAttributeType.XorPeerAddress, out StunAddress read));
        Assert.Equal(peer, read);
        Assert.True(StunAttributeReader.TryReadChannelNumber(Attribute(m, StunAttributeType.ChannelNumber), out ushort channel));
        Assert.Equal(0x4007, channel);
        Assert.True(StunIntegrity.VerifyFingerprint(m));
    }
}
