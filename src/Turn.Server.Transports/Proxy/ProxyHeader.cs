using Turn.Protocol;

namespace Turn.Server.Transports.Proxy;

/// <summary>The PROXY protocol v2 command (the low 4 bits of the 13th byte).</summary>
public enum ProxyCommand : byte
{
    /// <summary>The proxy's own connection (a health check): the socket's endpoints are the real ones.</summary>
    Local = 0x0,

    /// <summary>A relayed connection: the header carries the original endpoints.</summary>
    Proxy = 0x1,
}

/// <summary>The address family (high 4 bits of the 14th byte).</summary>
public enum ProxyFamily : byte
{
    Unspecified = 0x0,
    Inet = 0x1,
    Inet6 = 0x2,
    Unix = 0x3,
}

/// <summary>The transport protocol (low 4 bits of the 14th byte).</summary>
public enum ProxyTransport : byte
{
    Unspecified = 0x0,
    Stream = 0x1,
    Datagram = 0x2,
}

/// <summary>What a parse of the bytes so far says.</summary>
public enum ProxyParseStatus
{
    /// <summary>A whole, valid header; its length is the parser's <c>length</c>.</summary>
    Ok,

    /// <summary>Valid so far; the header is at least the parser's <c>length</c> bytes long.</summary>
    NeedMore,

    /// <summary>Not a PROXY protocol v2 header (or a broken one): close the connection.</summary>
    Invalid,
}

/// <summary>What the server does with a connection whose header was read.</summary>
public enum ProxyVerdict
{
    /// <summary>The client is <see cref="ProxyHeader.Source"/>.</summary>
    UseHeaderAddress,

    /// <summary>LOCAL: the client is the socket's peer.</summary>
    UseConnectionAddress,

    /// <summary>UNSPEC, UDP or UNIX: not a TCP client this server can serve; close.</summary>
    Refuse,
}

/// <summary>A parsed PROXY protocol v2 header.</summary>
/// <param name="Command">LOCAL or PROXY.</param>
/// <param name="Family">The address family byte's family.</param>
/// <param name="Transport">The address family byte's transport.</param>
/// <param name="Source">The original client (TCP over IPv4/IPv6 only; IPv4-mapped IPv6 is unmapped), else empty.</param>
/// <param name="Destination">The address the client connected to on the proxy, else empty.</param>
/// <param name="TlvCount">How many TLVs followed the addresses (each was bounds-checked and skipped).</param>
public readonly record struct ProxyHeader(ProxyCommand Command, ProxyFamily Family, ProxyTransport Transport, StunAddress Source, StunAddress Destination, int TlvCount)
{
    /// <summary>
    /// LOCAL keeps the socket's address; PROXY over TCP/IPv4 or TCP/IPv6 takes the header's; anything
    /// else (UNSPEC, UDP, UNIX) is refused: TURN over TCP needs an IP client address.
    /// </summary>
    public ProxyVerdict Verdict => Command == ProxyCommand.Local
        ? ProxyVerdict.UseConnectionAddress
        : Transport == ProxyTransport.Stream && Family is ProxyFamily.Inet or ProxyFamily.Inet6
            ? ProxyVerdict.UseHeaderAddress
            : ProxyVerdict.Refuse;
}
