using System.Net;
using System.Net.Sockets;

namespace Turn.Configuration;

/// <summary>Log verbosity (coturn: -v moderate, -V extra).</summary>
public enum LogVerbosity
{
    /// <summary>Default: no verbose logging.</summary>
    Normal,

    /// <summary><c>-v/--verbose</c>.</summary>
    Verbose,

    /// <summary><c>-V/--Verbose</c>.</summary>
    ExtraVerbose,
}

/// <summary>Value of <c>--allocation-default-address-family</c>.</summary>
public enum AddressFamilyPolicy
{
    /// <summary>RFC 6156 default: IPv4 relay unless the client asks otherwise.</summary>
    Ipv4,

    /// <summary>IPv6 relay unless the client asks otherwise.</summary>
    Ipv6,

    /// <summary>Same family as the client's connection to the server.</summary>
    Keep,
}

/// <summary>Value of <c>--log-min-level</c>.</summary>
public enum TurnLogLevel
{
    Debug,
    Info,
    Warning,
    Error,
}

/// <summary>Which user database was configured (the last of -b/-e/-M/-J/-N wins, as in coturn).</summary>
public enum UserDbType
{
    None,
    Sqlite,
    PostgreSql,
    MySql,
    MongoDb,
    Redis,
}

/// <summary>One <c>--external-ip</c> value: <c>public</c> or <c>public/private</c>.</summary>
public sealed record ExternalIpMapping(IPAddress Public, IPAddress? Private)
{
    public override string ToString() => Private is null ? Public.ToString() : $"{Public}/{Private}";
}

/// <summary>An inclusive address range (<c>allowed-peer-ip</c>, <c>denied-peer-ip</c>); a single address has From == To.</summary>
public sealed record IpRange(IPAddress From, IPAddress To)
{
    /// <summary>True when <paramref name="address"/> (same family) lies within the range.</summary>
    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6 && From.AddressFamily == AddressFamily.InterNetwork)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != From.AddressFamily)
        {
            return false;
        }

        return Compare(From, address) <= 0 && Compare(address, To) <= 0;
    }

    /// <summary>Compares two addresses of the same family as unsigned big-endian numbers.</summary>
    public static int Compare(IPAddress a, IPAddress b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var x = a.GetAddressBytes();
        var y = b.GetAddressBytes();
        if (x.Length != y.Length)
        {
            return x.Length.CompareTo(y.Length);
        }

        for (var i = 0; i < x.Length; i++)
        {
            if (x[i] != y[i])
            {
                return x[i].CompareTo(y[i]);
            }
        }

        return 0;
    }

    public override string ToString() => From.Equals(To) ? From.ToString() : $"{From}-{To}";
}

/// <summary>An <c>ip[:port]</c> endpoint (<c>aux-server</c>, <c>alternate-server</c>, ...).</summary>
public sealed record ServerAddress(IPAddress Address, int Port)
{
    public IPEndPoint ToEndPoint() => new(Address, Port);

    public override string ToString() =>
        Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{Address}]:{Port}" : $"{Address}:{Port}";
}

/// <summary>A static long-term credential user (<c>-u name:password</c> or <c>-u name:0xKEY</c>).</summary>
public sealed class UserEntry
{
    public UserEntry(string name, string? password, byte[]? key)
    {
        Name = name;
        Password = password;
        Key = key;
    }

    /// <summary>User name.</summary>
    public string Name { get; }

    /// <summary>Plain password, or null when a key was given.</summary>
    public string? Password { get; }

    /// <summary>Long-term key MD5(name:realm:password) given as <c>0x</c> + 32 hex digits, or null.</summary>
    public byte[]? Key { get; }

    public override string ToString() => Key is null ? $"{Name}:***" : $"{Name}:0x{Convert.ToHexStringLower(Key)}";
}
