using System.Buffers.Binary;

namespace Turn.Protocol;

public static partial class StunAttributeReader
{
    /// <summary>
    /// A 32-bit unsigned value: LIFETIME (RFC 8656 §18.2), PRIORITY (RFC 8445 §16.1), CONNECTION-ID
    /// (RFC 6062 §6.2.1), BANDWIDTH / TIMER-VAL / CACHE-TIMEOUT. Exactly 4 bytes.
    /// </summary>
    public static bool TryReadUInt32(ReadOnlySpan<byte> value, out uint number)
    {
        number = 0;
        if (value.Length != 4)
        {
            return false;
        }

        number = BinaryPrimitives.ReadUInt32BigEndian(value);
        return true;
    }

    /// <summary>A 64-bit unsigned value: ICE-CONTROLLED / ICE-CONTROLLING (RFC 8445 §16.1). Exactly 8 bytes.</summary>
    public static bool TryReadUInt64(ReadOnlySpan<byte> value, out ulong number)
    {
        number = 0;
        if (value.Length != 8)
        {
            return false;
        }

        number = BinaryPrimitives.ReadUInt64BigEndian(value);
        return true;
    }

    /// <summary>LIFETIME (RFC 8656 §18.2): seconds, 4 bytes.</summary>
    public static bool TryReadLifetime(ReadOnlySpan<byte> value, out uint seconds) => TryReadUInt32(value, out seconds);

    /// <summary>CONNECTION-ID (RFC 6062 §6.2.1): 4 bytes.</summary>
    public static bool TryReadConnectionId(ReadOnlySpan<byte> value, out uint connectionId) => TryReadUInt32(value, out connectionId);

    /// <summary>PRIORITY (RFC 8445 §16.1): 4 bytes.</summary>
    public static bool TryReadPriority(ReadOnlySpan<byte> value, out uint priority) => TryReadUInt32(value, out priority);

    /// <summary>ICE-CONTROLLED / ICE-CONTROLLING tie-breaker (RFC 8445 §16.1): 8 bytes.</summary>
    public static bool TryReadIceTieBreaker(ReadOnlySpan<byte> value, out ulong tieBreaker) => TryReadUInt64(value, out tieBreaker);

    /// <summary>
    /// CHANNEL-NUMBER (RFC 8656 §18.1):
    /// <code>
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |        Channel Number         |         RFFU = 0              |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// </code>
    /// RFFU is ignored. Whether the number is in range is for <see cref="ChannelData.IsValidChannelNumber"/>.
    /// </summary>
    public static bool TryReadChannelNumber(ReadOnlySpan<byte> value, out ushort channel)
    {
        channel = 0;
        if (value.Length != 4)
        {
            return false;
        }

        channel = BinaryPrimitives.ReadUInt16BigEndian(value);
        return true;
    }

    /// <summary>
    /// REQUESTED-TRANSPORT (RFC 8656 §18.8):
    /// <code>
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |    Protocol   |                    RFFU                       |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// </code>
    /// </summary>
    public static bool TryReadRequestedTransport(ReadOnlySpan<byte> value, out byte protocol)
    {
        protocol = 0;
        if (value.Length != 4)
        {
            return false;
        }

        protocol = value[0];
        return true;
    }

    /// <summary>
    /// REQUESTED-ADDRESS-FAMILY / ADDITIONAL-ADDRESS-FAMILY (RFC 8656 §18.6, §18.11):
    /// <code>
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |     Family    |            Reserved                           |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// </code>
    /// Any family byte is returned (the server answers an undefined one with 440); the reserved bits are ignored.
    /// </summary>
    public static bool TryReadAddressFamily(ReadOnlySpan<byte> value, out StunAddressFamily family)
    {
        family = 0;
        if (value.Length != 4)
        {
            return false;
        }

        family = (StunAddressFamily)value[0];
        return true;
    }

    /// <summary>
    /// EVEN-PORT (RFC 8656 §18.7): one byte, <c>|R|    RFFU     |</c>; R asks to reserve the next port.
    /// </summary>
    public static bool TryReadEvenPort(ReadOnlySpan<byte> value, out bool reserveNextPort)
    {
        reserveNextPort = false;
        if (value.Length != 1)
        {
            return false;
        }

        reserveNextPort = (value[0] & 0x80) != 0;
        return true;
    }

    /// <summary>RESERVATION-TOKEN (RFC 8656 §18.10): 8 bytes, returned as a big-endian number.</summary>
    public static bool TryReadReservationToken(ReadOnlySpan<byte> value, out ulong token) => TryReadUInt64(value, out token);

    /// <summary>
    /// CHANGE-REQUEST (RFC 5780 §7.2):
    /// <code>
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 A B 0|
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// </code>
    /// A = change IP, B = change port.
    /// </summary>
    public static bool TryReadChangeRequest(ReadOnlySpan<byte> value, out bool changeIp, out bool changePort)
    {
        changeIp = changePort = false;
        if (value.Length != 4)
        {
            return false;
        }

        changeIp = (value[3] & 0x04) != 0;
        changePort = (value[3] & 0x02) != 0;
        return true;
    }

    /// <summary>
    /// RESPONSE-PORT (RFC 5780 §7.5): <c>| Port (16) | Padding (16) |</c>.
    /// </summary>
    public static bool TryReadResponsePort(ReadOnlySpan<byte> value, out ushort port)
    {
        port = 0;
        if (value.Length != 4)
        {
            return false;
        }

        port = BinaryPrimitives.ReadUInt16BigEndian(value);
        return true;
    }

    /// <summary>
    /// ICMP (RFC 8656 §18.13):
    /// <code>
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |           Reserved            |  ICMP Type  |    ICMP Code    |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |                          Error Data                           |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// </code>
    /// </summary>
    public static bool TryReadIcmp(ReadOnlySpan<byte> value, out byte icmpType, out byte icmpCode, out uint errorData)
    {
        icmpType = icmpCode = 0;
        errorData = 0;
        if (value.Length != 8)
        {
            return false;
        }

        icmpType = value[2];
        icmpCode = value[3];
        errorData = BinaryPrimitives.ReadUInt32BigEndian(value.Slice(4));
        return true;
    }

    /// <summary>
    /// A flag attribute with no value: DONT-FRAGMENT (RFC 8656 §18.9), USE-CANDIDATE (RFC 8445 §16.1).
    /// True if the value is empty.
    /// </summary>
    public static bool TryReadFlag(ReadOnlySpan<byte> value) => value.IsEmpty;
}
