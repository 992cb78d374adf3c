namespace Turn.Protocol.Tests;

public class ChannelDataTests
{
    [Theory]
    [InlineData((ushort)0x3FFF, false, false)]
    [InlineData((ushort)0x4000, true, true)]
    [InlineData((ushort)0x4FFF, true, true)]
    [InlineData((ushort)0x5000, false, true)]
    [InlineData((ushort)0x7FFF, false, true)]
    [InlineData((ushort)0x8000, false, false)]
    public void Channel_ranges(ushort channel, bool valid8656, bool wireRange)
    {
        Assert.Equal(valid8656, ChannelData.IsValidChannelNumber(channel));
        Assert.Equal(wireRange, ChannelData.IsChannelDataRange(channel));
    }

    [Theory]
    [InlineData(0, false, 4)]
    [InlineData(5, false, 9)]
    [InlineData(5, true, 12)]
    [InlineData(8, true, 12)]
    [InlineData(0, true, 4)]
    public void Write_and_parse(int dataLength, bool pad, int expectedLength)
    {
        byte[] data = [.. Enumerable.Range(0, dataLength).Select(i => (byte)(i + 1))];
        var buffer = Enumerable.Repeat((byte)0xEE, 64).ToArray();
        Assert.True(ChannelData.TryWrite(buffer, 0x4001, data, pad, out int written));
        Assert.Equal(expectedLength, written);
        Assert.Equal(expectedLength, ChannelData.GetMessageLength(dataLength, pad));
        Assert.Equal(0x40, buffer[0]);
        Assert.Equal(0x01, buffer[1]);
        Assert.All(buffer[(4 + dataLength)..written], b => Assert.Equal(0, b)); // zero padding
        Assert.True(ChannelData.LooksLikeChannelData(buffer));
        Assert.True(ChannelData.TryParse(buffer.AsSpan(0, written), out ushort channel, out ReadOnlySpan<byte> read));
        Assert.Equal(0x4001, channel);
        Assert.Equal(data, read.ToArray());
    }

    [Fact]
    public void Parse_rules()
    {
        // Length larger than what arrived.
        Assert.False(ChannelData.TryParse(TestHelpers.Hex("4000 0005 01020304"), out _, out _));
        // Exact, and with up to 3 padding bytes.
        Assert.True(ChannelData.TryParse(TestHelpers.Hex("4000 0005 0102030405"), out _, out ReadOnlySpan<byte> exact));
        Assert.Equal(5, exact.Length);
        Assert.True(ChannelData.TryParse(TestHelpers.Hex("4000 0005 0102030405 000000"), out _, out ReadOnlySpan<byte> padded));
        Assert.Equal(5, padded.Length);
        // More than the padding.
        Assert.False(ChannelData.TryParse(TestHelpers.Hex("4000 0005 0102030405 00000000"), out _, out _));
        // Not ChannelData (bits 00 / 10) and too short.
        Assert.False(ChannelData.TryParse(TestHelpers.Hex("0001 0000"), out _, out _));
        Assert.False(ChannelData.TryParse(TestHelpers.Hex("8000 0000"), out _, out _));
        Assert.False(ChannelData.TryParse(TestHelpers.Hex("4000 00"), out _, out _));
        // 0x5000-0x7FFF parse (wire range); validity is the server's decision.
        Assert.True(ChannelData.TryParse(TestHelpers.Hex("7fff 0000"), out ushort high, out _));
        Assert.Equal(0x7FFF, high);
    }

    [Fact]
    public void Write_reports_overflow()
    {
        Assert.False(ChannelData.TryWrite(new byte[8], 0x4000, new byte[5], pad: false, out int written));
        Assert.Equal(0, written);
        Assert.False(ChannelData.TryWrite(new byte[11], 0x4000, new byte[5], pad: true, out _));
        Assert.False(ChannelData.TryWriteHeader(new byte[100000], 0x4000, 70000, pad: false, out _));
        Assert.True(ChannelData.TryWriteHeader(new byte[12], 0x4000, 5, pad: true, out int length));
        Assert.Equal(12, length);
    }
}
