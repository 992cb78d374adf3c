using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Turn.Configuration;

/// <summary>Strict parsers for option values. Each throws <see cref="OptionValueException"/> with a reason.</summary>
internal static partial class ValueParsers
{
    public static bool ParseBool(string? value)
    {
        if (!CoturnBoolean.TryParse(value, out var result))
        {
            throw Invalid("unknown boolean value (use on/off, yes/no, true/false or 1/0)");
        }

        return result;
    }

    public static string RequireValue(string? value, bool allowEmpty = false)
    {
        if (value is null || (!allowEmpty && value.Length == 0))
        {
            throw new OptionValueException(ConfigErrorKind.MissingValue, "a value is required");
        }

        return value;
    }

    public static long ParseLong(string? value, long min, long max)
    {
        var text = RequireValue(value).Trim();
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
        {
            throw Invalid("not an integer");
        }

        if (n < min || n > max)
        {
            throw Invalid(max == long.MaxValue
                ? $"must be at least {min}"
                : $"must be between {min} and {max}");
        }

        return n;
    }

    public static int ParseInt(string? value, int min, int max) => (int)ParseLong(value, min, max);

    public static int ParsePort(string? value, bool allowZero)
    {
        var text = RequireValue(value).Trim();
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535 ||
            (port == 0 && !allowZero))
        {
            throw Invalid(allowZero ? "not a valid port number (0-65535)" : "not a valid port number (1-65535)");
        }

        return port;
    }

    public static char ParseChar(string? value)
    {
        var text = RequireValue(value);
        if (text.Length != 1)
        {
            throw Invalid("must be a single character");
        }

        return text[0];
    }

    /// <summary>Parses an IP literal (IPv4 dotted quad, IPv6 with or without brackets) or resolves a host name.</summary>
    public static IPAddress ParseAddress(string? value, ApplyContext context)
    {
        var text = (value ?? string.Empty).Trim();
        if (text.Length == 0)
        {
            throw Invalid("empty address");
        }

        if (TryParseIpLiteral(text, out var address))
        {
            return address;
        }

        if (HostNameRegex().IsMatch(text))
        {
            IPAddress[] found;
            try
            {
                found = context.ResolveHost(text);
            }
            catch (Exception e) when (e is SocketException or ArgumentException or InvalidOperationException)
            {
                throw Invalid($"cannot resolve host name ({e.Message})");
            }

            if (found.Length == 0)
            {
                throw Invalid("cannot resolve host name");
            }

            return found[0];
        }

        throw Invalid("not a valid IP address");
    }

    public static bool TryParseIpLiteral(string text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.Length >= 2 && text[0] == '[' && text[^1] == ']')
        {
            text = text[1..^1];
            if (!text.Contains(':', StringComparison.Ordinal))
            {
                return false;
            }
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            if (IPAddress.TryParse(text, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6)
            {
                address = v6;
                return true;
            }

            return false;
        }

        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        var bytes = new byte[4];
        for (var i = 0; i < 4; i++)
        {
            if (parts[i].Length is 0 or > 3 || !parts[i].All(char.IsAsciiDigit) ||
                !byte.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out bytes[i]))
            {
                return false;
            }
        }

        address = new IPAddress(bytes);
        return true;
    }

    /// <summary><c>ip</c>, <c>ip-ip</c> (coturn) or <c>ip/prefix</c> (extension).</summary>
    public static IpRange ParseRange(string? value)
    {
        var text = RequireValue(value).Trim();
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            if (!TryParseIpLiteral(text[..slash], out var network) ||
                !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) ||
                prefix > network.GetAddressBytes().Length * 8)
            {
                throw Invalid("not a valid address, address range (from-to) or CIDR block");
            }

            var bytes = network.GetAddressBytes();
            var low = (byte[])bytes.Clone();
            var high = (byte[])bytes.Clone();
            for (var bit = prefix; bit < bytes.Length * 8; bit++)
            {
                var mask = (byte)(0x80 >> (bit % 8));
                low[bit / 8] &= (byte)~mask;
                high[bit / 8] |= mask;
            }

            return new IpRange(new IPAddress(low), new IPAddress(high));
        }

        var dash = text.IndexOf('-', StringComparison.Ordinal);
        var fromText = dash < 0 ? text : text[..dash].Trim();
        var toText = dash < 0 ? text : text[(dash + 1)..].Trim();
        if (!TryParseIpLiteral(fromText, out var from) || !TryParseIpLiteral(toText, out var to))
        {
            throw Invalid("not a valid address or address range (from-to)");
        }

        if (from.AddressFamily != to.AddressFamily)
        {
            throw Invalid("both ends of the range must be of the same address family");
        }

        if (IpRange.Compare(from, to) > 0)
        {
            throw Invalid("the first address of the range is greater than the last");
        }

        return new IpRange(from, to);
    }

    /// <summary><c>1.2.3.4[:port]</c>, <c>[v6][:port]</c> or a bare IPv6 address.</summary>
    public static ServerAddress ParseServerAddress(string? value, int defaultPort, ApplyContext context)
    {
        var text = RequireValue(value).Trim();
        string host;
        string? port = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw Invalid("missing ']' in IPv6 address");
            }

            host = text[..(close + 1)];
            var rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    throw Invalid("expected ':port' after ']'");
                }

                port = rest[1..];
            }
        }
        else if (text.Count(ch => ch == ':') == 1)
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            host = text[..colon];
            port = text[(colon + 1)..];
        }
        else
        {
            host = text;
        }

        var address = ParseAddress(host, context);
        var portNumber = port is null ? defaultPort : ParsePort(port, allowZero: false);
        return new ServerAddress(address, portNumber);
    }

    /// <summary><c>public</c> or <c>public/private</c>.</summary>
    public static ExternalIpMapping ParseExternalIp(string? value, ApplyContext context)
    {
        var text = RequireValue(value).Trim();
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return new ExternalIpMapping(ParseAddress(text, context), null);
        }

        return new ExternalIpMapping(ParseAddress(text[..slash], context), ParseAddress(text[(slash + 1)..], context));
    }

    /// <summary><c>name:password</c> or <c>name:0x&lt;32 hex digits&gt;</c>.</summary>
    public static UserEntry ParseUser(string? value)
    {
        var text = RequireValue(value);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            throw Invalid("expected name:password or name:0xKEY");
        }

        var name = text[..colon];
        var secret = text[(colon + 1)..];
        if (name.Length == 0)
        {
            throw Invalid("empty user name");
        }

        if (secret.Length == 0)
        {
            throw Invalid("empty password");
        }

        if (secret.StartsWith("0x", StringComparison.Ordinal))
        {
            var hex = secret[2..];
            if (hex.Length != 32 || !hex.All(char.IsAsciiHexDigit))
            {
                throw Invalid("a key must be 0x followed by 32 hex digits (MD5 of name:realm:password, see turnadmin -k)");
            }

            return new UserEntry(name, null, Convert.FromHexString(hex));
        }

        return new UserEntry(name, secret, null);
    }

    public static T ParseEnum<T>(string? value, IReadOnlyList<(string Name, T Value)> map)
    {
        var text = RequireValue(value).Trim();
        foreach (var (name, v) in map)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                return v;
            }
        }

        throw Invalid("unknown value (expected one of: " + string.Join(", ", map.Select(m => m.Name)) + ")");
    }

    public static OptionValueException Invalid(string reason) => new(ConfigErrorKind.InvalidValue, reason);

    [GeneratedRegex(@"^(?=.*[A-Za-z])[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9])?)*\.?$")]
    private static partial Regex HostNameRegex();
}
