using System.Buffers.Binary;

namespace Turn.Protocol;

/// <summary>
/// TURN ChannelData messages (RFC 8656 §12.4):
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Channel Number        |            Length             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// /                       Application Data                        /
/// /                                                               /
/// |                                                               |
/// |                               +-------------------------------+
/// |                               |
/// +-------------------------------+
/// </code>
/// On the wire a ChannelData message starts with the bits 01 (0x4000–0x7FFF). RFC 8656 §12 lets clients
/// bind only 0x4000–0x4FFF (RFC 5766 allowed up to 0x7FFF). Over TCP/TLS the message is padded to a
/// multiple of 4 (§12.5); over UDP padding is optional.
/// </summary>
public static class ChannelData
{
    /// <summary>Channel number + length.</summary>
    public const int HeaderLength = 4;

    /// <summary>Lowest channel number.</summary>
    public const ushort MinChannelNumber = 0x4000;

    /// <summary>Highest number RFC 8656 §12 allows in ChannelBind.</summary>
    public const ushort MaxChannelNumber = 0x4FFF;

    /// <summary>Highest number with the 01 leading bits (RFC 5766 §11's range).</summary>
    public const ushort MaxWireChannelNumber = 0x7FFF;

    /// <summary>True if the number is in 0x4000–0x4FFF (RFC 8656 §12: valid for ChannelBind).</summary>
    public static bool IsValidChannelNumber(ushort channel) => channel is >= MinChannelNumber and <= MaxChannelNumber;

    /// <summary>True if the number starts with bits 01 (0x4000–0x7FFF), i.e. reads as ChannelData on the wire.</summary>
    public static bool IsChannelDataRange(ushort channel) => channel is >= MinChannelNumber and <= MaxWireChannelNumber;

    /// <summary>True if the first byte has the leading bits 01 (RFC 7983 demultiplexing: 64..79 is TURN channel).</summary>
    public static bool LooksLikeChannelData(ReadOnlySpan<byte> packet) => packet.Length >= 1 && (packet[0] & 0xC0) == 0x40;

    /// <summary>Total size on the wire for <paramref name="dataLength"/> bytes, padded (TCP) or not (UDP).</summary>
    public static int GetMessageLength(int dataLength, bool pad) => HeaderLength + (pad ? Stun.Pad4(dataLength) : dataLength);

    /// <summary>
    /// Parses a ChannelData datagram: channel in 0x4000–0x7FFF, Length ≤ bytes after the header, and at most
    /// the 0–3 padding bytes after the data (RFC 8656 §12.5 lets UDP senders pad). Never throws.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out ushort channel, out ReadOnlySpan<byte> data)
    {
        channel = 0;
        data = default;
        if (packet.Length < HeaderLength)
        {
            return false;
        }

        ushort number = BinaryPrimitives.ReadUInt16BigEndian(packet);
        int length = BinaryPrimitives.ReadUInt16BigEndian(packet.Slice(2, 2));
        if (!IsChannelDataRange(number) || HeaderLength + length > packet.Length || packet.Length > HeaderLength + Stun.Pad4(length))
        {
            return false;
        }

        channel = number;
        data = packet.Slice(HeaderLength, length);
        return true;
    }

    /// <summary>
    /// Writes header + data (+ zero padding to 4 when <paramref name="pad"/>, as TCP/TLS need). False, with
    /// nothing promised about the destination, if it does not fit or the data exceeds 65535 bytes.
    /// </summary>
    public static bool TryWrite(Span<byte> destination, ushort channel, ReadOnlySpan<byte> data, bool pad, out int bytesWritten)
    {
        bytesWritten = 0;
        if (!TryWriteHeader(destination, channel, data.Length, pad, out int total))
        {
            return false;
        }

        data.CopyTo(destination.Slice(HeaderLength));
        bytesWritten = total;
        return true;
    }

    /// <summary>
    /// Writes only the header and padding for <paramref name="dataLength"/> bytes of data that the caller puts
    /// (or already put) at destination[4..]. Lets a relay receive peer data straight after a reserved header.
    /// </summary>
    public static bool TryWriteHeader(Span<byte> destination, ushort channel, int dataLength, bool pad, out int messageLength)
    {
        messageLength = 0;
        if (dataLength < 0 || dataLength > ushort.MaxValue)
        {
            return false;
        }

        int total = GetMessageLength(dataLength, pad);
        if (destination.Length < total)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, channel);
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(2, 2), (ushort)dataLength);
        destination.Slice(HeaderLength + dataLength, total - HeaderLength - dataLength).Clear();
        messageLength = total;
        return true;
    }
}
