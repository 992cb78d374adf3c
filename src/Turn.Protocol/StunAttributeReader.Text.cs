using System.Text;
using System.Text.Unicode;

namespace Turn.Protocol;

public static partial class StunAttributeReader
{
    /// <summary>
    /// Checks a UTF-8 text value: valid UTF-8, at most <paramref name="maxBytes"/> bytes and at most
    /// <paramref name="maxChars"/> characters (Unicode scalar values). Returns the bytes unchanged.
    /// </summary>
    public static bool TryReadUtf8(ReadOnlySpan<byte> value, int maxBytes, int maxChars, out ReadOnlySpan<byte> utf8)
    {
        utf8 = default;
        if (value.Length > maxBytes || !Utf8.IsValid(value) || CountScalars(value) > maxChars)
        {
            return false;
        }

        utf8 = value;
        return true;
    }

    /// <summary>Checks a UTF-8 text value of at most <paramref name="maxBytes"/> bytes.</summary>
    public static bool TryReadUtf8(ReadOnlySpan<byte> value, int maxBytes, out ReadOnlySpan<byte> utf8)
        => TryReadUtf8(value, maxBytes, int.MaxValue, out utf8);

    /// <summary>Decodes a UTF-8 text value of at most <paramref name="maxBytes"/> bytes into a new string (allocates).</summary>
    public static bool TryReadString(ReadOnlySpan<byte> value, int maxBytes, out string text)
        => TryReadString(value, maxBytes, int.MaxValue, out text);

    /// <summary>Decodes a UTF-8 text value with byte and character limits into a new string (allocates).</summary>
    public static bool TryReadString(ReadOnlySpan<byte> value, int maxBytes, int maxChars, out string text)
    {
        text = string.Empty;
        if (!TryReadUtf8(value, maxBytes, maxChars, out ReadOnlySpan<byte> utf8))
        {
            return false;
        }

        text = Encoding.UTF8.GetString(utf8);
        return true;
    }

    /// <summary>Decodes a UTF-8 text value into a caller's buffer; false if invalid, too long, or the buffer is too small.</summary>
    public static bool TryReadString(ReadOnlySpan<byte> value, int maxBytes, Span<char> destination, out int charsWritten)
    {
        charsWritten = 0;
        if (!TryReadUtf8(value, maxBytes, out ReadOnlySpan<byte> utf8))
        {
            return false;
        }

        return Encoding.UTF8.TryGetChars(utf8, destination, out charsWritten);
    }

    /// <summary>USERNAME (RFC 8489 §14.3): UTF-8, at most <see cref="Stun.MaxUsernameBytes"/> bytes.</summary>
    public static bool TryReadUsername(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> utf8)
        => TryReadUtf8(value, Stun.MaxUsernameBytes, out utf8);

    /// <summary>REALM (RFC 8489 §14.9): UTF-8, fewer than 128 characters, at most 763 bytes.</summary>
    public static bool TryReadRealm(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> utf8)
        => TryReadUtf8(value, Stun.MaxTextBytes, Stun.MaxTextChars, out utf8);

    /// <summary>NONCE (RFC 8489 §14.10): fewer than 128 characters, at most 763 bytes.</summary>
    public static bool TryReadNonce(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> utf8)
        => TryReadUtf8(value, Stun.MaxTextBytes, Stun.MaxTextChars, out utf8);

    /// <summary>SOFTWARE (RFC 8489 §14.14): fewer than 128 characters, at most 763 bytes.</summary>
    public static bool TryReadSoftware(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> utf8)
        => TryReadUtf8(value, Stun.MaxTextBytes, Stun.MaxTextChars, out utf8);

    /// <summary>ORIGIN (draft-ietf-tram-stun-origin): UTF-8 text, at most 763 bytes (coturn keeps 127).</summary>
    public static bool TryReadOrigin(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> utf8)
        => TryReadUtf8(value, Stun.MaxTextBytes, out utf8);

    /// <summary>THIRD-PARTY-AUTHORIZATION (RFC 7635 §6.1): the authorization server name, UTF-8, at most 763 bytes.</summary>
    public static bool TryReadThirdPartyAuthorization(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> utf8)
        => TryReadUtf8(value, Stun.MaxTextBytes, out utf8);

    /// <summary>
    /// ALTERNATE-DOMAIN (RFC 8489 §14.16): a DNS name of 255 or fewer ASCII characters. Checks ASCII
    /// letters, digits, '-', '.' and '_' only (A-labels are ASCII).
    /// </summary>
    public static bool TryReadAlternateDomain(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> ascii)
    {
        ascii = default;
        if (value.IsEmpty || value.Length > Stun.MaxAlternateDomainBytes)
        {
            return false;
        }

        foreach (byte b in value)
        {
            bool ok = b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
                or (byte)'-' or (byte)'.' or (byte)'_';
            if (!ok)
            {
                return false;
            }
        }

        ascii = value;
        return true;
    }

    /// <summary>Counts Unicode scalar values in valid UTF-8 (bytes that are not continuation bytes).</summary>
    internal static int CountScalars(ReadOnlySpan<byte> utf8)
    {
        int count = 0;
        foreach (byte b in utf8)
        {
            if ((b & 0xC0) != 0x80)
            {
                count++;
            }
        }

        return count;
    }
}
