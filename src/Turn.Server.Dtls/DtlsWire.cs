using System.Buffers.Binary;

namespace Turn.Server.Dtls;

/// <summary>
/// DTLS 1.2 record and handshake framing (RFC 6347 §4.1, §4.2.2), read and written by hand so the
/// stateless cookie check and the relay path never go through a TLS library.
/// <code>
///  record header (13 bytes)                    handshake header (12 bytes)
///  0      1      2      3      4      5       0      1      2      3
///  +------+------+------+------+------+--     +------+------+------+------+
///  | type |   version   |    epoch    | ..     | type |       length       |
///  +------+------+------+------+------+--     +------+------+------+------+
///  |      sequence_number (48 bits)   | ..     | message_seq |  fragment_ |
///  +------+------+------+------+------+--     +------+------+------+------+
///  |    length   |  fragment ...              |offset| fragment_length    |
/// </code>
/// </summary>
public static class DtlsWire
{
    public const byte ChangeCipherSpec = 20;
    public const byte Alert = 21;
    public const byte Handshake = 22;
    public const byte ApplicationData = 23;

    public const byte ClientHello = 1;
    public const byte HelloVerifyRequest = 3;
    public const byte Finished = 20;

    /// <summary>DTLS 1.0 on the wire (RFC 4347), also the version of every HelloVerifyRequest (RFC 6347 §4.2.1).</summary>
    public const ushort Dtls10 = 0xFEFF;

    /// <summary>DTLS 1.2 on the wire (RFC 6347 §4.1: the one's complement of 1.2).</summary>
    public const ushort Dtls12 = 0xFEFD;

    public const int RecordHeaderLength = 13;
    public const int HandshakeHeaderLength = 12;

    /// <summary>RFC 6347 §4.1.1: a record carries at most 2^14 bytes of plaintext.</summary>
    public const int MaxPlaintext = 16384;

    /// <summary>
    /// True when a datagram's first byte says DTLS record (RFC 7983 §7: 20..63). STUN starts with
    /// 0..3 and ChannelData with 64..79, so the three share a UDP port without confusion.
    /// </summary>
    public static bool LooksLikeDtls(ReadOnlySpan<byte> datagram) => datagram.Length > 0 && datagram[0] is >= 20 and <= 63;

    /// <summary>
    /// Reads the record at the start of <paramref name="datagram"/>: false when fewer bytes than its
    /// header announces are there (the rest of the datagram is then unusable).
    /// </summary>
    public static bool TryReadRecord(ReadOnlySpan<byte> datagram, out DtlsRecordHeader header, out int recordLength)
    {
        header = default;
        recordLength = 0;
        if (datagram.Length < RecordHeaderLength)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[11..]);
        if (datagram.Length < RecordHeaderLength + length)
        {
            return false;
        }

        header = new DtlsRecordHeader(
            datagram[0],
            BinaryPrimitives.ReadUInt16BigEndian(datagram[1..]),
            BinaryPrimitives.ReadUInt16BigEndian(datagram[3..]),
            ReadUInt48(datagram[5..]),
            length);
        recordLength = RecordHeaderLength + length;
        return true;
    }

    public static void WriteRecordHeader(Span<byte> destination, byte type, ushort version, ushort epoch, ulong sequence, int length)
    {
        destination[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], version);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], epoch);
        WriteUInt48(destination[5..], sequence);
        BinaryPrimitives.WriteUInt16BigEndian(destination[11..], (ushort)length);
    }

    public static ulong ReadUInt48(ReadOnlySpan<byte> source) =>
        ((ulong)BinaryPrimitives.ReadUInt16BigEndian(source) << 32) | BinaryPrimitives.ReadUInt32BigEndian(source[2..]);

    public static void WriteUInt48(Span<byte> destination, ulong value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)value);
    }

    public static int ReadUInt24(ReadOnlySpan<byte> source) => (source[0] << 16) | (source[1] << 8) | source[2];

    public static void WriteUInt24(Span<byte> destination, int value)
    {
        destination[0] = (byte)(value >> 16);
        destination[1] = (byte)(value >> 8);
        destination[2] = (byte)value;
    }
}

/// <summary>The fields of a DTLS record header.</summary>
public readonly record struct DtlsRecordHeader(byte ContentType, ushort Version, ushort Epoch, ulong Sequence, int Length);
