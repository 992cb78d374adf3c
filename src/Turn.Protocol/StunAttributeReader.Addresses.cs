using System.Buffers.Binary;

namespace Turn.Protocol;

/// <summary>
/// Typed, allocation-free readers for attribute values. Every reader checks the exact length its RFC gives
/// and returns false (never throws) for anything else.
/// </summary>
public static partial class StunAttributeReader
{
    /// <summary>
    /// Reads MAPPED-ADDRESS and the other plain address attributes (RFC 8489 §14.1; also ALTERNATE-SERVER
    /// §14.15, RESPONSE-ORIGIN / OTHER-ADDRESS RFC 5780 §7.3–§7.4, RFC 3489 SOURCE/CHANGED-ADDRESS):
    /// <code>
    ///  0                   1                   2                   3
    ///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |0 0 0 0 0 0 0 0|    Family     |           Port                |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |                 Address (32 bits or 128 bits)                 |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// </code>
    /// The first byte "MUST be ignored by receivers". Family 0x01 needs 8 bytes, 0x02 needs 20.
    /// </summary>
    public static bool TryReadAddress(ReadOnlySpan<byte> value, out StunAddress address)
    {
        address = default;
        if (!TryReadAddressHeader(value, out int addressLength))
        {
            return false;
        }

        ushort port = BinaryPrimitives.ReadUInt16BigEndian(value.Slice(2, 2));
        return StunAddress.TryCreate(value.Slice(4, addressLength), port, 0, out address);
    }

    /// <summary>
    /// Reads XOR-MAPPED-ADDRESS / XOR-PEER-ADDRESS / XOR-RELAYED-ADDRESS (RFC 8489 §14.2, RFC 8656 §18.3, §18.5):
    /// X-Port = port XOR (cookie &gt;&gt; 16); an IPv4 address is XOR'ed with the cookie, an IPv6 address with
    /// cookie ‖ transaction id. <paramref name="transactionId"/> must be the 12-byte id.
    /// </summary>
    public static bool TryReadXorAddress(ReadOnlySpan<byte> value, ReadOnlySpan<byte> transactionId, out StunAddress address)
    {
        address = default;
        if (transactionId.Length != Stun.TransactionIdLength || !TryReadAddressHeader(value, out int addressLength))
        {
            return false;
        }

        ushort port = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(value.Slice(2, 2)) ^ (Stun.MagicCookie >> 16));
        Span<byte> bytes = stackalloc byte[16];
        XorAddressBytes(value.Slice(4, addressLength), transactionId, bytes);
        return StunAddress.TryCreate(bytes.Slice(0, addressLength), port, 0, out address);
    }

    /// <summary>XORs 4 or 16 address bytes with cookie (‖ transaction id) into destination (RFC 8489 §14.2).</summary>
    internal static void XorAddressBytes(ReadOnlySpan<byte> source, ReadOnlySpan<byte> transactionId, Span<byte> destination)
    {
        Span<byte> pad = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(pad, Stun.MagicCookie);
        transactionId.Slice(0, Stun.TransactionIdLength).CopyTo(pad.Slice(4));
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = (byte)(source[i] ^ pad[i]);
        }
    }

    private static bool TryReadAddressHeader(ReadOnlySpan<byte> value, out int addressLength)
    {
        addressLength = 0;
        if (value.Length < 4)
        {
            return false;
        }

        addressLength = value[1] switch
        {
            (byte)StunAddressFamily.IPv4 => 4,
            (byte)StunAddressFamily.IPv6 => 16,
            _ => -1,
        };
        return addressLength > 0 && value.Length == 4 + addressLength;
    }
}
