using System.Buffers.Binary;

namespace Turn.Protocol;

public static partial class StunAttributeReader
{
    /// <summary>
    /// ERROR-CODE (RFC 8489 §14.8):
    /// <code>
    ///  0                   1                   2                   3
    ///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |           Reserved, should be 0         |Class|     Number    |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |      Reason Phrase (variable)                                ..
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// </code>
    /// Class 3..6, Number 0..99; reserved bits ignored; reason is UTF-8 of fewer than 128 characters
    /// (at most 763 bytes). <paramref name="code"/> = Class * 100 + Number.
    /// </summary>
    public static bool TryReadErrorCode(ReadOnlySpan<byte> value, out int code, out ReadOnlySpan<byte> reasonUtf8)
    {
        code = 0;
        reasonUtf8 = default;
        if (value.Length < 4 || !TryDecodeClassNumber(value[2], value[3], out int parsed))
        {
            return false;
        }

        if (!TryReadUtf8(value.Slice(4), Stun.MaxTextBytes, Stun.MaxTextChars, out reasonUtf8))
        {
            return false;
        }

        code = parsed;
        return true;
    }

    /// <summary>Reads just the numeric code of ERROR-CODE (the reason is not checked).</summary>
    public static bool TryReadErrorCode(ReadOnlySpan<byte> value, out int code)
    {
        code = 0;
        return value.Length >= 4 && TryDecodeClassNumber(value[2], value[3], out code);
    }

    /// <summary>
    /// ADDRESS-ERROR-CODE (RFC 8656 §18.12):
    /// <code>
    ///  0                   1                   2                   3
    ///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |  Family       |    Reserved             |Class|     Number    |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |      Reason Phrase (variable)                                ..
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// </code>
    /// 13 reserved bits (ignored); the code is 440 or 508 in practice, any 300..699 is accepted.
    /// </summary>
    public static bool TryReadAddressErrorCode(ReadOnlySpan<byte> value, out StunAddressFamily family, out int code, out ReadOnlySpan<byte> reasonUtf8)
    {
        family = 0;
        code = 0;
        reasonUtf8 = default;
        if (value.Length < 4 || !TryDecodeClassNumber(value[2], value[3], out int parsed))
        {
            return false;
        }

        if (!TryReadUtf8(value.Slice(4), Stun.MaxTextBytes, Stun.MaxTextChars, out reasonUtf8))
        {
            return false;
        }

        family = (StunAddressFamily)value[0];
        code = parsed;
        return true;
    }

    /// <summary>
    /// UNKNOWN-ATTRIBUTES (RFC 8489 §14.13): a list of 16-bit types. False if the length is odd or
    /// <paramref name="destination"/> cannot hold them all.
    /// </summary>
    public static bool TryReadUnknownAttributes(ReadOnlySpan<byte> value, Span<ushort> destination, out int count)
    {
        count = 0;
        if ((value.Length & 1) != 0 || value.Length / 2 > destination.Length)
        {
            return false;
        }

        for (int i = 0; i < value.Length; i += 2)
        {
            destination[count++] = BinaryPrimitives.ReadUInt16BigEndian(value.Slice(i, 2));
        }

        return true;
    }

    /// <summary>Number of entries in an UNKNOWN-ATTRIBUTES value, or -1 if its length is odd.</summary>
    public static int GetUnknownAttributesCount(ReadOnlySpan<byte> value) => (value.Length & 1) != 0 ? -1 : value.Length / 2;

    private static bool TryDecodeClassNumber(byte classByte, byte number, out int code)
    {
        int cls = classByte & 0x07; // the 3 low bits; the 5 above are reserved
        code = 0;
        if (cls < 3 || cls > 6 || number > 99)
        {
            return false;
        }

        code = cls * 100 + number;
        return true;
    }
}
