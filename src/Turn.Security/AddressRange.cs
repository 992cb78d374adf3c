using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Turn.Protocol;

namespace Turn.Security;

/// <summary>
/// An inclusive range of IP addresses of one family, as written in <c>allowed-peer-ip</c> /
/// <c>denied-peer-ip</c>: <c>1.2.3.4</c>, <c>1.2.3.4-1.2.3.255</c>, <c>10.0.0.0/8</c>, <c>2001:db8::/32</c>,
/// <c>::1</c>, <c>2001:db8::1-2001:db8::ff</c>.
/// </summary>
/// <remarks>
/// <para>A range is kept as written. An IPv6 range lying wholly in <c>::ffff:0:0/96</c> (IPv4-mapped; see
/// <see cref="IsIPv4Mapped"/>) is not silently turned into IPv4, because the line
/// <c>denied-peer-ip=::ffff:0.0.0.0-::ffff:255.255.255.255</c> from the widely copied coturn hardening list
/// would then deny every IPv4 peer; <see cref="PeerAddressFilter"/> decides how each kind of rule uses it.
/// Ports are not part of a range.</para>
/// <para>Parsing is strict: IPv4 must be four dotted decimal octets without leading zeros (no
/// <c>inet_aton</c> shorthands such as <c>10.1</c>, <c>0x7f.1</c> or octal <c>010.0.0.1</c>); IPv6 must not carry a
/// scope id, brackets or a port. A CIDR whose address has host bits set (<c>10.1.2.3/8</c>) is accepted
/// and masked to its network (<c>10.0.0.0-10.255.255.255</c>), as iptables/nftables do. <c>a-b</c> needs
/// both ends of the same written family (<c>::ffff:1.2.3.4-1.2.3.5</c> is rejected) and a &lt;= b.</para>
/// </remarks>
public readonly record struct AddressRange
{
    private readonly UInt128 _first;
    private readonly UInt128 _last;

    private AddressRange(AddressFamily family, UInt128 first, UInt128 last)
    {
        Family = family;
        _first = first;
        _last = last;
    }

    /// <summary>The range <paramref name="first"/>..<paramref name="last"/> (inclusive; ports ignored).</summary>
    /// <exception cref="ArgumentException">Empty address, families differ, or first &gt; last.</exception>
    public AddressRange(in StunAddress first, in StunAddress last)
    {
        if (first.IsEmpty || first.Family != last.Family)
        {
            throw new ArgumentException("Both ends of an address range must be addresses of the same family.", nameof(last));
        }

        UInt128 a = ToValue(first);
        UInt128 b = ToValue(last);
        if (a > b)
        {
            throw new ArgumentException("The first address of a range must not be greater than the last.", nameof(last));
        }

        this = new AddressRange(first.Family, a, b);
    }

    /// <summary>The range holding the single address <paramref name="address"/> (port ignored).</summary>
    /// <exception cref="ArgumentException">Empty address.</exception>
    public static AddressRange Single(in StunAddress address) => new(address, address);

    /// <summary>
    /// <see cref="AddressFamily.InterNetwork"/> or <see cref="AddressFamily.InterNetworkV6"/>
    /// (Unspecified only for <c>default(AddressRange)</c>, which contains nothing).
    /// </summary>
    public AddressFamily Family { get; }

    /// <summary>True for an IPv4 range.</summary>
    public bool IsIPv4 => Family == AddressFamily.InterNetwork;

    /// <summary>True for an IPv6 range.</summary>
    public bool IsIPv6 => Family == AddressFamily.InterNetworkV6;

    /// <summary>First address of the range (port 0).</summary>
    public StunAddress First => ToAddress(Family, _first);

    /// <summary>Last address of the range (port 0).</summary>
    public StunAddress Last => ToAddress(Family, _last);

    internal UInt128 FirstValue => _first;

    internal UInt128 LastValue => _last;

    /// <summary>True for an IPv6 range lying wholly in the IPv4-mapped block <c>::ffff:0:0/96</c>.</summary>
    public bool IsIPv4Mapped => IsIPv6 && IsMapped(_first) && IsMapped(_last);

    /// <summary>The IPv4 range an <see cref="IsIPv4Mapped"/> range maps (<c>::ffff:10.0.0.0/104</c> → <c>10.0.0.0/8</c>); any other range unchanged.</summary>
    public AddressRange Unmapped()
        => IsIPv4Mapped ? new AddressRange(AddressFamily.InterNetwork, (uint)_first, (uint)_last) : this;

    /// <summary>
    /// True if the range contains <paramref name="address"/> as written or its canonical form
    /// (<see cref="PeerAddress.Canonicalize"/>): <c>10.0.0.0/8</c> contains <c>10.1.2.3</c>, <c>::ffff:10.1.2.3</c>,
    /// <c>::10.1.2.3</c> and <c>64:ff9b::a01:203</c>; <c>64:ff9b::/96</c> contains <c>64:ff9b::a01:203</c>;
    /// <c>::ffff:0:0/96</c> contains <c>::ffff:10.1.2.3</c> but not <c>10.1.2.3</c>. This is how
    /// <see cref="PeerAddressFilter"/> matches deny rules. Port and scope id are ignored. No allocation.
    /// </summary>
    public bool Contains(in StunAddress address)
    {
        // For IPv6 input v6 holds the bits as written, so an IPv6 range sees every IPv6 spelling.
        AddressFamily family = PeerAddress.Split(address, out uint v4, out UInt128 v6, out _);
        return Family switch
        {
            AddressFamily.InterNetwork => family == AddressFamily.InterNetwork && v4 >= _first && v4 <= _last,
            AddressFamily.InterNetworkV6 => address.IsIPv6 && v6 >= _first && v6 <= _last,
            _ => false,
        };
    }

    /// <summary>Parses one of the forms in the type summary (surrounding and inner whitespace around '-' and '/' allowed).</summary>
    public static bool TryParse(string? text, out AddressRange range)
    {
        range = default;
        return text is not null && TryParse(text.AsSpan(), out range);
    }

    /// <summary>Parses one of the forms in the type summary (surrounding and inner whitespace around '-' and '/' allowed).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out AddressRange range)
    {
        range = default;
        text = text.Trim();
        if (text.IsEmpty)
        {
            return false;
        }

        int dash = text.IndexOf('-');
        int slash = text.IndexOf('/');
        if (dash >= 0 && slash >= 0)
        {
            return false;
        }

        if (dash >= 0)
        {
            if (!TryParseAddress(text.Slice(0, dash).Trim(), out AddressFamily f1, out UInt128 a)
                || !TryParseAddress(text.Slice(dash + 1).Trim(), out AddressFamily f2, out UInt128 b)
                || f1 != f2 || a > b)
            {
                return false;
            }

            range = new AddressRange(f1, a, b);
            return true;
        }

        if (slash >= 0)
        {
            if (!TryParseAddress(text.Slice(0, slash).Trim(), out AddressFamily family, out UInt128 network)
                || !TryParsePrefix(text.Slice(slash + 1).Trim(), family == AddressFamily.InterNetwork ? 32 : 128, out int prefix))
            {
                return false;
            }

            int bits = family == AddressFamily.InterNetwork ? 32 : 128;
            UInt128 all = family == AddressFamily.InterNetwork ? uint.MaxValue : UInt128.MaxValue;
            UInt128 hostMask = prefix == bits ? UInt128.Zero : all >> prefix;
            UInt128 first = network & ~hostMask & all;
            range = new AddressRange(family, first, first | hostMask);
            return true;
        }

        if (!TryParseAddress(text, out AddressFamily single, out UInt128 value))
        {
            return false;
        }

        range = new AddressRange(single, value, value);
        return true;
    }

    /// <summary>Parses one of the forms in the type summary.</summary>
    /// <exception cref="FormatException">Not an address range.</exception>
    public static AddressRange Parse(string text)
        => TryParse(text, out AddressRange range) ? range : throw new FormatException("Not an IP address range: '" + text + "'.");

    /// <summary><c>a</c> for a single address, otherwise <c>first-last</c>; empty for the default value.</summary>
    public override string ToString()
    {
        if (Family == AddressFamily.Unspecified)
        {
            return string.Empty;
        }

        string first = First.ToIPAddress().ToString();
        return _first == _last ? first : first + "-" + Last.ToIPAddress().ToString();
    }

    private static bool IsMapped(UInt128 value) => (value >> 32) == 0xFFFF;

    private static UInt128 ToValue(in StunAddress address)
    {
        if (address.IsIPv4)
        {
            return address.IPv4Value;
        }

        PeerAddress.Read(address, out ulong high, out ulong low);
        return new UInt128(high, low);
    }

    private static StunAddress ToAddress(AddressFamily family, UInt128 value)
    {
        switch (family)
        {
            case AddressFamily.InterNetwork:
                return StunAddress.FromIPv4((uint)value, 0);
            case AddressFamily.InterNetworkV6:
                Span<byte> bytes = stackalloc byte[16];
                BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
                return new StunAddress(bytes, 0);
            default:
                return default;
        }
    }

    private static bool TryParsePrefix(ReadOnlySpan<char> text, int max, out int prefix)
    {
        prefix = 0;
        if (text.IsEmpty || text.Length > 3)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            prefix = (prefix * 10) + (c - '0');
        }

        return prefix <= max;
    }

    /// <summary>Strict address parser: dotted-quad IPv4 or textual IPv6 without scope/brackets/port.</summary>
    internal static bool TryParseAddress(ReadOnlySpan<char> text, out AddressFamily family, out UInt128 value)
    {
        family = AddressFamily.Unspecified;
        value = UInt128.Zero;
        if (text.IsEmpty || text.Length > 45)
        {
            return false;
        }

        if (!text.Contains(':'))
        {
            if (!TryParseIPv4(text, out uint v4))
            {
                return false;
            }

            family = AddressFamily.InterNetwork;
            value = v4;
            return true;
        }

        foreach (char c in text)
        {
            if (!char.IsAsciiHexDigit(c) && c != ':' && c != '.')
            {
                return false;
            }
        }

        // .NET's IPv6 parser is lenient about an embedded IPv4 tail; hold it to the dotted-quad rules.
        if (text.Contains('.') && !TryParseIPv4(text.Slice(text.LastIndexOf(':') + 1), out _))
        {
            return false;
        }

        if (!IPAddress.TryParse(text, out IPAddress? ip) || ip.AddressFamily != AddressFamily.InterNetworkV6 || ip.ScopeId != 0)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!ip.TryWriteBytes(bytes, out int written) || written != 16)
        {
            return false;
        }

        family = AddressFamily.InterNetworkV6;
        value = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return true;
    }

    /// <summary>Exactly four decimal octets 0-255, no leading zeros, no signs or spaces.</summary>
    private static bool TryParseIPv4(ReadOnlySpan<char> text, out uint value)
    {
        value = 0;
        int parts = 0;
        int i = 0;
        while (true)
        {
            int start = i;
            int octet = 0;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                octet = (octet * 10) + (text[i] - '0');
                i++;
                if (i - start > 3)
                {
                    return false;
                }
            }

            int length = i - start;
            if (length == 0 || octet > 255 || (length > 1 && text[start] == '0'))
            {
                return false;
            }

            value = (value << 8) | (uint)octet;
            parts++;
            if (i == text.Length)
            {
                return parts == 4;
            }

            if (text[i] != '.' || parts == 4)
            {
                return false;
            }

            i++;
        }
    }
}
