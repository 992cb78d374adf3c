using System.Security.Cryptography;
using Turn.Protocol;

namespace Turn.UserDb;

/// <summary>
/// The long-term credential key stored in <c>turnusers_lt.hmackey</c> and printed by <c>turnadmin -k</c>:
/// lower-case hex of MD5(user ":" realm ":" password).
/// </summary>
/// <remarks>
/// Computed with <see cref="StunKeys.LongTermMd5(string, string, string)"/>: the user name is hashed as is, the realm
/// and password go through OpaqueString (RFC 8265, as RFC 8489 §18.5.1 asks) when they are valid OpaqueStrings and are
/// hashed raw otherwise; all as UTF-8. For ASCII this is byte-for-byte what coturn's turnadmin hashes (OpaqueString
/// leaves printable ASCII unchanged, and coturn rejects the ASCII control characters that would differ).
/// For non-ASCII text coturn's byte-wise "SASLprep" differs: it removes every 0xAD byte, turns every 0xA0 byte into a
/// space and rejects bytes 0x80..0x9F, all inside UTF-8 sequences. So coturn gives the same key as this class for
/// text like "päss" or "é" whose UTF-8 has none of those bytes, a mangled key for "à" (C3 A0) or "í" (C3 AD), and
/// refuses "€" or "Ā" outright; this class hashes the proper UTF-8 in every case (what an RFC 8489 client computes).
/// </remarks>
public static class LongTermKey
{
    /// <summary>Lower-case hex MD5 key (32 digits), as stored by turnadmin -a and printed (after "0x") by turnadmin -k.</summary>
    public static string ComputeMd5Hex(string user, string realm, string password)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentNullException.ThrowIfNull(password);
        byte[] key = StunKeys.LongTermMd5(user, realm, password);
        try
        {
            return Convert.ToHexStringLower(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// Decodes a stored hex key (what <see cref="IUserDatabase.GetUserKeyAsync"/> returns) into bytes. Accepts an even
    /// number of hex digits (either case), optionally prefixed with <c>0x</c> as in <c>turnserver --user=name:0xKEY</c>,
    /// surrounded by blanks (a <c>char(128)</c> column may pad).
    /// </summary>
    public static bool TryDecode(string? hex, out byte[] key)
    {
        key = [];
        if (hex is null)
        {
            return false;
        }

        ReadOnlySpan<char> span = hex.AsSpan().Trim();
        if (span.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            span = span[2..];
        }

        if (span.Length == 0 || span.Length % 2 != 0)
        {
            return false;
        }

        foreach (char c in span)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        key = Convert.FromHexString(span);
        return true;
    }
}
