using System.Buffers.Binary;

namespace Turn.Protocol;

/// <summary>
/// Constants and helpers of the STUN header (RFC 8489 §5, RFC 3489 §11.1).
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0|     STUN Message Type     |         Message Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Magic Cookie                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// |                     Transaction ID (96 bits)                  |
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// An RFC 3489 ("classic") message has no magic cookie: its transaction id is the
/// 128 bits that start where the cookie would be.
/// </remarks>
public static class Stun
{
    /// <summary>RFC 8489 §5: the fixed value of the Magic Cookie field.</summary>
    public const uint MagicCookie = 0x2112A442;

    /// <summary>Size of the STUN header in bytes.</summary>
    public const int HeaderLength = 20;

    /// <summary>Size of the RFC 5389/8489 transaction id (96 bits).</summary>
    public const int TransactionIdLength = 12;

    /// <summary>Size of the RFC 3489 transaction id (128 bits, no cookie).</summary>
    public const int ClassicTransactionIdLength = 16;

    /// <summary>Size of an attribute's Type + Length header.</summary>
    public const int AttributeHeaderLength = 4;

    /// <summary>Largest body: the 16-bit length field rounded down to a multiple of 4.</summary>
    public const int MaxBodyLength = 0xFFFC;

    /// <summary>Largest STUN message in bytes, header included.</summary>
    public const int MaxMessageLength = HeaderLength + MaxBodyLength;

    /// <summary>RFC 8489 §14.7: the CRC-32 is XOR'ed with this value ("STUN").</summary>
    public const uint FingerprintXor = 0x5354554E;

    /// <summary>RFC 8489 §14.5: HMAC-SHA1 output size.</summary>
    public const int MessageIntegrityLength = 20;

    /// <summary>RFC 8489 §14.6: shortest allowed MESSAGE-INTEGRITY-SHA256 (truncated).</summary>
    public const int MessageIntegritySha256MinLength = 16;

    /// <summary>RFC 8489 §14.6: full MESSAGE-INTEGRITY-SHA256 size.</summary>
    public const int MessageIntegritySha256MaxLength = 32;

    /// <summary>
    /// Longest USERNAME accepted, in bytes. RFC 5389 §15.3 says "less than 513 bytes";
    /// RFC 8489 §14.3 says senders use fewer than 509. We accept up to 513.
    /// </summary>
    public const int MaxUsernameBytes = 513;

    /// <summary>
    /// Longest REALM / NONCE / SOFTWARE / reason phrase in bytes when decoding
    /// (RFC 8489 §14.8–§14.10, §14.14: "as long as 763 bytes when decoding").
    /// </summary>
    public const int MaxTextBytes = 763;

    /// <summary>REALM / NONCE / SOFTWARE / reason phrase: "fewer than 128 characters".</summary>
    public const int MaxTextChars = 127;

    /// <summary>RFC 8489 §14.16: ALTERNATE-DOMAIN has 255 or fewer ASCII characters.</summary>
    public const int MaxAlternateDomainBytes = 255;

    /// <summary>RFC 8489 §14.4: USERHASH is a SHA-256 digest.</summary>
    public const int UserHashLength = 32;

    /// <summary>RFC 8656 §18.10: RESERVATION-TOKEN is 8 bytes.</summary>
    public const int ReservationTokenLength = 8;

    /// <summary>
    /// Encodes method and class into the 14-bit message type (RFC 8489 §5):
    /// <code>
    ///  0                 1
    ///  2  3  4 5 6 7 8 9 0 1 2 3 4 5
    /// +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |M |M |M|M|M|C|M|M|M|C|M|M|M|M|
    /// |11|10|9|8|7|1|6|5|4|0|3|2|1|0|
    /// +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
    /// </code>
    /// </summary>
    public static ushort GetMessageType(StunMethod method, StunClass cls) => GetMessageType((ushort)method, cls);

    /// <inheritdoc cref="GetMessageType(StunMethod, StunClass)"/>
    public static ushort GetMessageType(ushort method, StunClass cls)
    {
        int m = method & 0x0FFF;
        int c = (int)cls & 0x3;
        int type = (m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 0x1) << 4) | ((c & 0x2) << 7);
        return (ushort)type;
    }

    /// <summary>Extracts the 12-bit method from a message type.</summary>
    public static StunMethod GetMethod(ushort messageType) => (StunMethod)GetMethodValue(messageType);

    /// <summary>Extracts the 12-bit method from a message type as a number.</summary>
    public static ushort GetMethodValue(ushort messageType)
        => (ushort)((messageType & 0x000F) | ((messageType & 0x00E0) >> 1) | ((messageType & 0x3E00) >> 2));

    /// <summary>Extracts the 2-bit class (C1 C0) from a message type.</summary>
    public static StunClass GetClass(ushort messageType)
        => (StunClass)(((messageType >> 4) & 0x1) | ((messageType >> 7) & 0x2));

    /// <summary>RFC 8489 §14: types 0x0000–0x7FFF are comprehension-required.</summary>
    public static bool IsComprehensionRequired(ushort attributeType) => attributeType < 0x8000;

    /// <summary>Rounds a length up to the next multiple of 4 (attribute padding, RFC 8489 §14).</summary>
    public static int Pad4(int length) => (length + 3) & ~3;

    /// <summary>
    /// Quick check used by demultiplexers: at least a header, top two bits zero, magic cookie present
    /// and a length field that is a multiple of 4 (RFC 8489 §6.3 / RFC 7983).
    /// </summary>
    public static bool LooksLikeStun(ReadOnlySpan<byte> packet)
        => packet.Length >= HeaderLength
           && (packet[0] & 0xC0) == 0
           && (packet[3] & 0x3) == 0
           && BinaryPrimitives.ReadUInt32BigEndian(packet.Slice(4, 4)) == MagicCookie;
}
