using System.Text;

namespace Turn.AdminTool;

/// <summary>
/// Checks of -u/-r/-p/-s/-o values, as coturn's turnadmin makes them, with clear errors where coturn silently truncates.
/// </summary>
internal static class AdminInput
{
    /// <summary>coturn's buffer sizes (bytes of UTF-8, without the terminating NUL).</summary>
    public const int MaxUserBytes = 512;
    public const int MaxRealmBytes = 127;
    public const int MaxPasswordBytes = 256;
    public const int MaxSecretBytes = 256;
    public const int MaxOriginBytes = 127;

    /// <summary>
    /// coturn's is_secure_string(name, sanitizesql=1): no space, tab, quote, double quote, CR, LF or backslash, and not
    /// both "union" and "select" (any case). coturn applies it to every -u value.
    /// </summary>
    public static bool IsSecureUserName(string user)
    {
        string lower = user.ToLowerInvariant();
        if (lower.AsSpan().IndexOfAny(" \t'\"\n\r\\") >= 0)
        {
            return false;
        }

        return !(lower.Contains("union", StringComparison.Ordinal) && lower.Contains("select", StringComparison.Ordinal));
    }

    /// <summary>
    /// coturn's SASLprep rejects the bytes 0x00..0x1E and 0x7F (and, inside UTF-8, 0x80..0x9F); here: the characters
    /// U+0000..U+001E, U+007F and the C1 controls U+0080..U+009F. (Other non-ASCII text is accepted, unlike coturn,
    /// which also refuses characters whose UTF-8 holds a byte 0x80..0x9F, such as '€'.)
    /// </summary>
    public static bool HasControlCharacter(string value)
    {
        foreach (char c in value)
        {
            if (c < 0x1F || c == 0x7F || (c >= 0x80 && c <= 0x9F))
            {
                return true;
            }
        }

        return false;
    }

    public static bool TooLong(string value, int maxBytes) => Encoding.UTF8.GetByteCount(value) > maxBytes;
}
