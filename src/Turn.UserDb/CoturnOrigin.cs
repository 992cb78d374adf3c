using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Turn.UserDb;

/// <summary>
/// coturn's canonical ORIGIN form, used as the key of <c>turn_origin_to_realm</c> by <c>turnadmin -O/-R</c> and for
/// looking up the ORIGIN attribute of a request: <c>scheme://host:port</c>, lower-cased, user info, path, query and
/// fragment dropped, the scheme's default port filled in when none (or 0) is given.
/// </summary>
/// <remarks>
/// Follows what coturn 4.6.1 does with libevent's strict URI parser (RFC 3986 syntax, ASCII only): when the text is
/// not such a URI with a scheme and a non-empty host (for example <c>example.org</c>, <c>http:x</c>, a host with a
/// space or with non-ASCII letters, a port above 65535) it is kept exactly as given. Default ports: ftp 21, svn 3690,
/// ssh 22, sip 5060, http 80, ldap 389, sips 5061, turn/stun 3478, https 443, ldaps 636, turns/stuns 5349, telnet 23,
/// radius 1645, svn+ssh 22; other schemes get no port. The result is cut to 127 bytes of UTF-8 as coturn's buffer is.
/// </remarks>
public static class CoturnOrigin
{
    /// <summary>coturn's origin buffer size (STUN_MAX_ORIGIN_SIZE) in bytes.</summary>
    public const int MaxLength = 127;

    private const string SubDelims = "!$&'()*+,;=";

    /// <summary>The canonical form of <paramref name="origin"/> (see the type remarks).</summary>
    public static string Canonicalize(string origin)
    {
        ArgumentNullException.ThrowIfNull(origin);
        string result = TryParse(origin, out string? scheme, out string? host, out int port) && host.Length > 0
            ? Build(scheme, host, port)
            : origin;
        return Truncate(result, MaxLength);
    }

    /// <summary>The default port coturn assumes for a (lower-case) scheme; 0 when it knows none.</summary>
    public static int DefaultPort(string scheme) => scheme switch
    {
        "ftp" => 21,
        "svn" => 3690,
        "ssh" => 22,
        "sip" => 5060,
        "http" => 80,
        "ldap" => 389,
        "sips" => 5061,
        "turn" or "stun" => 3478,
        "https" => 443,
        "ldaps" => 636,
        "turns" or "stuns" => 5349,
        "telnet" => 23,
        "radius" => 1645,
        "svn+ssh" => 22,
        _ => 0,
    };

    private static string Build(string scheme, string host, int port)
    {
        string lowerScheme = scheme.ToLowerInvariant();
        if (port < 1)
        {
            port = DefaultPort(lowerScheme);
        }

        string rest = port > 0 ? $"{host}:{port}" : host;
        return lowerScheme + "://" + rest.ToLowerInvariant();
    }

    private static string Truncate(string value, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(value) <= maxBytes)
        {
            return value;
        }

        int bytes = 0;
        int i = 0;
        while (i < value.Length)
        {
            int width = char.IsSurrogatePair(value, i) ? 2 : 1;
            int size = Encoding.UTF8.GetByteCount(value.AsSpan(i, width));
            if (bytes + size > maxBytes)
            {
                break;
            }

            bytes += size;
            i += width;
        }

        return value[..i];
    }

    // Strict RFC 3986 parse (libevent's evhttp_uri_parse without EVHTTP_URI_NONCONFORMANT). Only the scheme, host and
    // port are kept; port is -1 when absent or empty.
    private static bool TryParse(string s, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? scheme, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? host, out int port)
    {
        scheme = null;
        host = null;
        port = -1;

        int pos = ScanScheme(s);
        if (pos < 0)
        {
            return false;
        }

        scheme = s[..pos];
        pos++; // ':'

        if (!(pos + 1 < s.Length && s[pos] == '/' && s[pos + 1] == '/'))
        {
            return false; // no authority, hence no host
        }

        pos += 2;
        int end = pos;
        while (end < s.Length && s[end] is not ('/' or '?' or '#'))
        {
            end++;
        }

        if (!ParseAuthority(s.AsSpan(pos, end - pos), out host, out port))
        {
            return false;
        }

        pos = EndOfPath(s, end, allowQuestion: false);
        if (pos < s.Length && s[pos] == '?')
        {
            pos = EndOfPath(s, pos + 1, allowQuestion: true);
        }

        if (pos < s.Length && s[pos] == '#')
        {
            pos = EndOfPath(s, pos + 1, allowQuestion: true);
        }

        return pos == s.Length;
    }

    private static int ScanScheme(string s)
    {
        if (s.Length == 0 || !char.IsAsciiLetter(s[0]))
        {
            return -1;
        }

        for (int i = 1; i < s.Length; i++)
        {
            char c = s[i];
            if (c == ':')
            {
                return i;
            }

            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.'))
            {
                return -1;
            }
        }

        return -1;
    }

    private static bool ParseAuthority(ReadOnlySpan<char> a, out string host, out int port)
    {
        host = string.Empty;
        port = -1;
        if (a.Length == 0)
        {
            return true; // empty host
        }

        int at = a.IndexOf('@');
        if (at >= 0)
        {
            if (!AllOk(a[..at], allowColon: true))
            {
                return false;
            }

            a = a[(at + 1)..];
        }

        int p = a.Length - 1;
        while (p >= 0 && char.IsAsciiDigit(a[p]))
        {
            p--;
        }

        if (p >= 0 && a[p] == ':')
        {
            ReadOnlySpan<char> digits = a[(p + 1)..];
            if (digits.Length > 0)
            {
                int value = 0;
                foreach (char c in digits)
                {
                    value = (value * 10) + (c - '0');
                    if (value > 65535)
                    {
                        return false;
                    }
                }

                port = value;
            }

            a = a[..p];
        }

        if (a.Length >= 2 && a[0] == '[' && a[^1] == ']')
        {
            if (!BracketAddressOk(a))
            {
                return false;
            }
        }
        else if (!AllOk(a, allowColon: false))
        {
            return false;
        }

        host = a.ToString();
        return true;
    }

    private static bool BracketAddressOk(ReadOnlySpan<char> a)
    {
        if (a.Length < 3)
        {
            return false;
        }

        ReadOnlySpan<char> inner = a[1..^1];
        if (inner[0] == 'v')
        {
            // IPvFuture: "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
            int i = 1;
            while (i < inner.Length && char.IsAsciiHexDigit(inner[i]))
            {
                i++;
            }

            if (i == 1 || i >= inner.Length || inner[i] != '.')
            {
                return false;
            }

            ReadOnlySpan<char> rest = inner[(i + 1)..];
            if (rest.Length == 0)
            {
                return false;
            }

            foreach (char c in rest)
            {
                if (!IsUnreserved(c) && !SubDelims.Contains(c) && c != ':')
                {
                    return false;
                }
            }

            return true;
        }

        // IPv6 text as inet_pton(AF_INET6) takes it: no zone id, no bare IPv4.
        return inner.Length < 64 && inner.IndexOf('%') < 0 && inner.IndexOf(':') >= 0
            && IPAddress.TryParse(inner, out IPAddress? address) && address.AddressFamily == AddressFamily.InterNetworkV6;
    }

    private static bool AllOk(ReadOnlySpan<char> s, bool allowColon)
    {
        int i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (IsUnreserved(c) || SubDelims.Contains(c) || (allowColon && c == ':'))
            {
                i++;
            }
            else if (c == '%' && i + 2 < s.Length && char.IsAsciiHexDigit(s[i + 1]) && char.IsAsciiHexDigit(s[i + 2]))
            {
                i += 3;
            }
            else
            {
                return false;
            }
        }

        return true;
    }

    private static int EndOfPath(string s, int i, bool allowQuestion)
    {
        while (i < s.Length)
        {
            char c = s[i];
            if (IsUnreserved(c) || SubDelims.Contains(c) || c is ':' or '@' or '/')
            {
                i++;
            }
            else if (c == '%' && i + 2 < s.Length && char.IsAsciiHexDigit(s[i + 1]) && char.IsAsciiHexDigit(s[i + 2]))
            {
                i += 3;
            }
            else if (c == '?' && allowQuestion)
            {
                i++;
            }
            else
            {
                return i;
            }
        }

        return i;
    }

    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~';
}
