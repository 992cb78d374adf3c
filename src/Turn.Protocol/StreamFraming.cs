using System.Buffers.Binary;

namespace Turn.Protocol;

/// <summary>What the bytes at the start of a TCP/TLS stream hold.</summary>
public enum StreamFrameKind
{
    /// <summary>Not enough bytes yet to know the frame length.</summary>
    NeedMore,

    /// <summary>A complete STUN message of the reported length is buffered.</summary>
    Stun,

    /// <summary>A complete ChannelData message (padding included) of the reported length is buffered.</summary>
    ChannelData,

    /// <summary>The stream cannot be STUN/TURN (first bits 10 or 11, or a STUN length not a multiple of 4): close it.</summary>
    Invalid,
}

/// <summary>
/// Splits a TCP/TLS byte stream into STUN and ChannelData messages (RFC 8656 §12.5, RFC 6062): STUN is
/// 20 + Length bytes, ChannelData is 4 + Length rounded up to a multiple of 4.
/// </summary>
public static class StreamFraming
{
    /// <summary>
    /// Looks at the buffered bytes. For <see cref="StreamFrameKind.Stun"/> and <see cref="StreamFrameKind.ChannelData"/>,
    /// <paramref name="frameLength"/> is the length of the complete frame at the start of the buffer. For
    /// <see cref="StreamFrameKind.NeedMore"/> it is the total number of bytes needed to make progress (the whole
    /// frame once the header is known, else the header size). For Invalid it is 0.
    /// </summary>
    /// <param name="buffered">Bytes received and not yet consumed.</param>
    /// <param name="frameLength">See above.</param>
    /// <param name="channelDataPadded">
    /// True (default, RFC 8656 §12.5) when ChannelData over the stream carries padding to 4 bytes; false to
    /// accept senders that do not pad.
    /// </param>
    public static StreamFrameKind GetFrame(ReadOnlySpan<byte> buffered, out int frameLength, bool channelDataPadded = true)
    {
        frameLength = 0;
        if (buffered.IsEmpty)
        {
            frameLength = ChannelData.HeaderLength;
            return StreamFrameKind.NeedMore;
        }

        switch (buffered[0] & 0xC0)
        {
            case 0x00:
            {
                if (buffered.Length < 4)
                {
                    frameLength = Stun.HeaderLength;
                    return StreamFrameKind.NeedMore;
                }

                int length = BinaryPrimitives.ReadUInt16BigEndian(buffered.Slice(2, 2));
                if ((length & 3) != 0)
                {
                    return StreamFrameKind.Invalid;
                }

                int total = Stun.HeaderLength + length;
                frameLength = total;
                return buffered.Length >= total ? StreamFrameKind.Stun : StreamFrameKind.NeedMore;
            }

            case 0x40:
            {
                if (buffered.Length < ChannelData.HeaderLength)
                {
                    frameLength = ChannelData.HeaderLength;
                    return StreamFrameKind.NeedMore;
                }

                int length = BinaryPrimitives.ReadUInt16BigEndian(buffered.Slice(2, 2));
                int total = ChannelData.GetMessageLength(length, channelDataPadded);
                frameLength = total;
                return buffered.Length >= total ? StreamFrameKind.ChannelData : StreamFrameKind.NeedMore;
            }

            default:
                return StreamFrameKind.Invalid;
        }
    }
}
