namespace Turn.Protocol.Tests;

public class StreamFramingTests
{
    [Fact]
    public void Splits_a_stream_of_stun_and_channel_data()
    {
        byte[] stun = TestHelpers.Build(StunMethod.Refresh, StunClass.Request, (ref StunMessageWriter w) => w.AddLifetime(600));
        var cd = new byte[12];
        Assert.True(ChannelData.TryWrite(cd, 0x4002, "hello"u8, pad: true, out int cdLength));
        var empty = new byte[4];
        Assert.True(ChannelData.TryWrite(empty, 0x4003, [], pad: true, out _));
        byte[] stream = [.. cd[..cdLength], .. stun, .. empty, .. stun[..10]];

        var frames = new List<(StreamFrameKind, int)>();
        ReadOnlySpan<byte> rest = stream;
        while (true)
        {
            StreamFrameKind kind = StreamFraming.GetFrame(rest, out int length);
            if (kind is StreamFrameKind.NeedMore or StreamFrameKind.Invalid)
            {
                Assert.Equal(StreamFrameKind.NeedMore, kind);
                Assert.Equal(stun.Length, length); // the header of the last message is known
                break;
            }

            frames.Add((kind, length));
            rest = rest[length..];
        }

        Assert.Equal([(StreamFrameKind.ChannelData, 12), (StreamFrameKind.Stun, stun.Length), (StreamFrameKind.ChannelData, 4)], frames);
        Assert.Equal(10, rest.Length);
    }

    [Theory]
    [InlineData("", StreamFrameKind.NeedMore, 4)]
    [InlineData("40", StreamFrameKind.NeedMore, 4)]
    [InlineData("400000", StreamFrameKind.NeedMore, 4)]
    [InlineData("40000005 01", StreamFrameKind.NeedMore, 12)]
    [InlineData("40000005 0102030405", StreamFrameKind.NeedMore, 12)]
    [InlineData("40000005 0102030405000000", StreamFrameKind.ChannelData, 12)]
    [InlineData("00", StreamFrameKind.NeedMore, 20)]
    [InlineData("00010000", StreamFrameKind.NeedMore, 20)]
    [InlineData("00010002", StreamFrameKind.Invalid, 0)]
    [InlineData("80", StreamFrameKind.Invalid, 0)]
    [InlineData("c0000000", StreamFrameKind.Invalid, 0)]
    [InlineData("00010000 2112a442 0102030405060708090a0b0c", StreamFrameKind.Stun, 20)]
    [InlineData("00010000 2112a442 0102030405060708090a0b0c ffff", StreamFrameKind.Stun, 20)]
    public void Frame_kinds(string hex, StreamFrameKind expected, int expectedLength)
    {
        Assert.Equal(expected, StreamFraming.GetFrame(TestHelpers.Hex(hex), out int length));
        Assert.Equal(expectedLength, length);
    }

    [Fact]
    public void Unpadded_channel_data_when_asked()
    {
        Assert.Equal(StreamFrameKind.ChannelData, StreamFraming.GetFrame(TestHelpers.Hex("40000005 0102030405"), out int length, channelDataPadded: false));
        Assert.Equal(9, length);
    }

    [Fact]
    public void Largest_stun_frame()
    {
        byte[] header = TestHelpers.Hex("0001fffc 2112a442 0102030405060708090a0b0c");
        Assert.Equal(StreamFrameKind.NeedMore, StreamFraming.GetFrame(header, out int length));
        Assert.Equal(Stun.MaxMessageLength, length);
    }
}
