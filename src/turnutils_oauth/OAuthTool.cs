using System.Globalization;
using System.Text;
using Turn.Server.Auth.OAuth;

namespace Turn.Utils.OAuth;

/// <summary>
/// coturn's turnutils_oauth: makes (<c>-e</c>) and/or checks (<c>-d</c>) RFC 7635 access tokens with an
/// AS–RS key, printing the same JSON (RFC 7635 Appendix B, Figure 8), messages and exit codes (0; 1 for a
/// bad option or over-long value; 255 for a missing value or a failure). Deliberate differences, all
/// where coturn 4.6.1 misbehaves: a MAC key or nonce containing zero bytes is used whole (coturn cuts it at
/// the first zero with strncpy), and "alg" always shows -u (coturn's 12-byte -o nonce overwrote it with "").
/// </summary>
internal static class OAuthTool
{
    public static int Run(IReadOnlyList<string> args, Stream stdout, Stream stderr, DateTimeOffset now, string programName)
    {
        var output = new Output(stdout);
        var errors = new Output(stderr);
        try
        {
            return RunCore(args, output, errors, now, programName);
        }
        finally
        {
            output.Flush();
            errors.Flush();
        }
    }

    private static int RunCore(IReadOnlyList<string> args, Output stdout, Output stderr, DateTimeOffset now, string programName)
    {
        CommandLine? c = CommandLine.Parse(args, programName, out string? parseError, out int parseExit);
        if (c is null)
        {
            stderr.Write(parseError ?? string.Empty);
            return parseExit;
        }

        foreach (string operand in c.Operands)
        {
            stdout.Write($"Non-option argument {operand}\n");
        }

        if (!(c.Encrypt || c.Decrypt))
        {
            stderr.Write("Use either encrypt or decrypt.\nPlease use -h or --help for the detailed help\n");
            return 255;
        }

        string? missing =
            c.ServerName.Length == 0 ? "For encode/decode  --server-name/-i is mandatory \n" :
            c.Kid.Length == 0 ? "For encode/decode  --auth-key-id/-j is mandatory \n" :
            c.AuthKeyBase64.Length == 0 ? "For encode/decode  --auth-key/-k is mandatory \n" :
            c.KeyTimestamp == 0 ? "For encode/decode  --auth-key-timestamp/-l is mandatory \n" :
            c.KeyLifetime == 0 ? "For encode/decode  --auth-key-lifetime/-m is mandatory \n" :
            c.Encrypt && c.MacKey.Length == 0 ? "For encode --token-mac-key/-p is mandatory \n" :
            !c.Encrypt && c.Decrypt && c.TokenBase64.Length == 0 ? "For decode --token/-t is mandatory \n" :
            null;
        if (missing is not null)
        {
            stderr.Write(missing);
            return 255;
        }

        // Default token timestamp: coturn's mktime(gmtime(now)) << 16, i.e. now read as local standard time.
        ulong tokenTimestamp = c.TokenTimestamp ??
            ((ulong)(now.ToUnixTimeSeconds() - (long)TimeZoneInfo.Local.BaseUtcOffset.TotalSeconds) << 16);
        WriteExpiryWarnings(stderr, c.KeyTimestamp, c.KeyLifetime, tokenTimestamp, c.TokenLifetime);

        OAuthKey? key = SetUpKey(c, stderr);
        if (key is null)
        {
            stderr.Write("Error during key setup\n");
            return 255;
        }

        string tokenBase64 = c.TokenBase64;
        if (c.Encrypt)
        {
            var content = new OAuthTokenContent(c.MacKey, tokenTimestamp, c.TokenLifetime);
            byte[] token = OAuthTokenCodec.Encrypt(key, Encoding.UTF8.GetBytes(c.ServerName), content, c.Nonce is null ? default : Pad12(c.Nonce));
            tokenBase64 = Convert.ToBase64String(token);
            stdout.Write("{\n");
            stdout.Write($"    \"access_token\":\"{tokenBase64}\",\n");
            stdout.Write("    \"token_type\":\"pop\",\n");
            stdout.Write($"    \"expires_in\":{unchecked((int)c.TokenLifetime).ToString(CultureInfo.InvariantCulture)},\n"); // %d
            stdout.Write($"    \"kid\":\"{c.Kid}\",\n");
            stdout.Write("    \"key\":\"");
            stdout.Write(c.MacKey); // raw bytes, as coturn's printf("%s")
            stdout.Write("\",\n");
            stdout.Write($"    \"alg\":\"{c.HmacAlg}\"\n");
            stdout.Write("}\n");
        }

        if (c.Decrypt)
        {
            byte[] token = CoturnBase64.Decode(tokenBase64) ?? [];
            if (!OAuthTokenCodec.TryDecrypt(token, key, Encoding.UTF8.GetBytes(c.ServerName), out OAuthTokenContent? content, out OAuthTokenError error))
            {
                stderr.Write(DecodeMessage(token, error));
                stderr.Write("validate_decode_token: cannot decode oauth token\n");
                stderr.Write("Error during token validation and decoding\n");
                return 255;
            }

            stdout.Write("-=Valid token!=-\n");
            if (c.Verbose)
            {
                WriteTokenBody(stdout, token.AsSpan(2, OAuthTokenCodec.NonceLength), content);
            }
        }

        return 0;
    }

    /// <summary>coturn's key set-up (convert_oauth_key_data): kid and algorithm checks, key = ikm cut/zero-padded.</summary>
    private static OAuthKey? SetUpKey(CommandLine c, Output stderr)
    {
        string kid = RemoveSpaces(c.Kid);
        if (kid.Length == 0)
        {
            stderr.Write("KID is not defined\n");
            stderr.Write("KID is not defined\n");
            return null;
        }

        string alg = OAuthAlgorithms.Normalize(c.AsRsAlg);
        if (string.IsNullOrWhiteSpace(alg) || !OAuthAlgorithms.TryParse(alg, out OAuthAlgorithm algorithm))
        {
            stderr.Write($"Wrong oAuth token encryption algorithm: {alg} (3)\n");
            stderr.Write($"Wrong oAuth token encryption algorithm: {alg} (2)\n\n");
            return null;
        }

        // An undecodable -k leaves coturn's key buffer zeroed; so does a short one past its end.
        byte[] ikm = CoturnBase64.Decode(c.AuthKeyBase64) ?? [];
        byte[] asRs = new byte[OAuthAlgorithms.KeyLength(algorithm)];
        ikm.AsSpan(0, Math.Min(ikm.Length, asRs.Length)).CopyTo(asRs);
        return new OAuthKey(kid, asRs, algorithm, c.KeyTimestamp, c.KeyLifetime);
    }

    private static void WriteExpiryWarnings(Output stderr, uint keyTimestamp, uint keyLifetime, ulong tokenTimestamp, uint tokenLifetime)
    {
        // The same unsigned arithmetic as coturn, wrap-around included.
        ulong keyStart = (ulong)keyTimestamp << 16;
        ulong keyEnd = (ulong)unchecked(keyTimestamp + keyLifetime) << 16;
        ulong tokenEnd = unchecked(tokenTimestamp + ((ulong)tokenLifetime << 16));
        if (keyStart > tokenEnd)
        {
            stderr.Write("\nWARNING: Token expiry is earlear then Auth key life time start timestamp!!\n\n");
        }
        else if (keyStart > tokenTimestamp)
        {
            stderr.Write("\nWARNING: Token life time start timestamp is earlier then Auth key start timestamp!!\n\n");
        }

        if (keyEnd < tokenTimestamp)
        {
            stderr.Write("\nWARNING: Auth key will expire before token lifetime start timestamp!!\n\n");
        }
        else if (keyEnd < tokenEnd)
        {
            stderr.Write("\nWARNING: Auth key will expire before token expiry!!\n\n");
        }
    }

    /// <summary>The message coturn's decode_oauth_token_gcm would print for the same token.</summary>
    private static string DecodeMessage(ReadOnlySpan<byte> token, OAuthTokenError error)
    {
        int nonceLength = token.Length >= 2 ? (token[0] << 8) | token[1] : 0;
        bool tooSmall = token.Length < 2 + 4 + 8 + nonceLength + 2 + OAuthTokenCodec.TagLength + 1;
        return error switch
        {
            OAuthTokenError.TooShort or OAuthTokenError.Truncated or OAuthTokenError.BadNonceLength when tooSmall =>
                $"decode_oauth_token_gcm: token size too small: {token.Length}\n",
            OAuthTokenError.BadPlaintext or OAuthTokenError.MacKeyTooLong =>
                "decode_oauth_token_gcm: wrong encrypted block (key length does not match)\n",
            _ => "decode_oauth_token_gcm: token integrity check failed\n",
        };
    }

    private static void WriteTokenBody(Output stdout, ReadOnlySpan<byte> nonce, OAuthTokenContent content)
    {
        stdout.Write("\n");
        stdout.Write("Token non-encrpyted body:\n");
        stdout.Write("{\n");
        stdout.Write($"    nonce: {Convert.ToBase64String(nonce)}\n");
        stdout.Write($"    nonce length: {nonce.Length}\n");
        stdout.Write("Token encrpyted body:\n");
        stdout.Write("{\n");
        stdout.Write("    mac key: ");
        stdout.Write(content.MacKey);
        stdout.Write("\n");
        stdout.Write($"    mac key length: {content.MacKey.Length}\n");
        long seconds = (long)(content.Timestamp >> 16);
        uint msec = unchecked((uint)(content.Timestamp & 0xFFFF) * 64); // sic: coturn's arithmetic
        stdout.Write("    timestamp:\n");
        stdout.Write($"        unixtime: {unchecked((uint)seconds)} (localtime: {CTime(seconds)} )");
        stdout.Write($"        msec:{msec}\n");
        stdout.Write($"    lifetime: {content.Lifetime}\n");
        stdout.Write("}\n");
    }

    /// <summary>C's ctime(): "Thu Nov 24 15:00:00 1977\n" in local time, for any year (glibc prints 5+ digit years too).</summary>
    private static string CTime(long unixSeconds)
    {
        TimeSpan offset = unixSeconds <= 253402300799L
            ? TimeZoneInfo.Local.GetUtcOffset(DateTimeOffset.FromUnixTimeSeconds(unixSeconds))
            : TimeZoneInfo.Local.BaseUtcOffset;
        long local = unixSeconds + (long)offset.TotalSeconds;
        long days = Math.DivRem(local, 86400, out long secondOfDay);
        if (secondOfDay < 0)
        {
            secondOfDay += 86400;
            days--;
        }

        // Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days).
        long z = days + 719468;
        long era = (z >= 0 ? z : z - 146096) / 146097;
        long dayOfEra = z - (era * 146097);
        long yearOfEra = (dayOfEra - (dayOfEra / 1460) + (dayOfEra / 36524) - (dayOfEra / 146096)) / 365;
        long dayOfYear = dayOfEra - ((365 * yearOfEra) + (yearOfEra / 4) - (yearOfEra / 100));
        long mp = ((5 * dayOfYear) + 2) / 153;
        long day = dayOfYear - (((153 * mp) + 2) / 5) + 1;
        long month = mp < 10 ? mp + 3 : mp - 9;
        long year = (yearOfEra + (era * 400)) + (month <= 2 ? 1 : 0);
        string[] weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
        string[] months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        long weekday = ((days % 7) + 11) % 7; // 1970-01-01 was a Thursday
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{weekdays[weekday]} {months[month - 1]} {day,2} {secondOfDay / 3600:00}:{secondOfDay / 60 % 60:00}:{secondOfDay % 60:00} {year}\n");
    }

    /// <summary>coturn's remove_spaces: skip leading spaces, cut at the next one — unless it is all spaces.</summary>
    private static string RemoveSpaces(string s)
    {
        string t = s.TrimStart(' ');
        if (t.Length == 0)
        {
            return s;
        }

        int space = t.IndexOf(' ');
        return space >= 0 ? t[..space] : t;
    }

    private static byte[] Pad12(byte[] nonce)
    {
        byte[] iv = new byte[OAuthTokenCodec.NonceLength];
        nonce.AsSpan(0, Math.Min(nonce.Length, iv.Length)).CopyTo(iv);
        return iv;
    }

    /// <summary>
    /// Bytes to a standard stream, written through at once (so that, on a terminal, stdout and stderr
    /// interleave as coturn's line-buffered stdout and unbuffered stderr do): text as UTF-8, keys raw.
    /// </summary>
    private sealed class Output(Stream stream)
    {
        public void Write(string text) => stream.Write(Encoding.UTF8.GetBytes(text));

        public void Write(ReadOnlySpan<byte> raw) => stream.Write(raw);

        public void Flush() => stream.Flush();
    }
}
