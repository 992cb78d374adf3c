using System.Net;
using Turn.Security;

namespace Turn.Server.Transports;

/// <summary>What to listen on: every address × every port, for the enabled transports.</summary>
/// <param name="Addresses">The listening IPs (already expanded from "all local addresses").</param>
/// <param name="Ports">The ports; 0 asks the kernel for a free one (the same port is then used for every address and transport where possible).</param>
/// <param name="Udp">Open UDP listeners.</param>
/// <param name="Tcp">Open TCP listeners.</param>
/// <param name="Workers">UDP sockets (and threads) per address and port, spread by SO_REUSEPORT.</param>
public sealed record ListenerPlan(IReadOnlyList<IPAddress> Addresses, IReadOnlyList<int> Ports, bool Udp, bool Tcp, int Workers)
{
    public TcpListenerLimits TcpLimits { get; init; } = new();

    /// <summary>UDP listener socket buffer size in bytes (sock-buf-size); null = 4 MiB.</summary>
    public int? SocketBufferBytes { get; init; }

    /// <summary>
    /// TLS (null = none): served on <see cref="TlsPorts"/> and, detected by the first byte, on the
    /// plain TCP listeners of <see cref="Ports"/>. The TLS ports serve plain TCP too unless <see cref="Tcp"/> is off.
    /// </summary>
    public Tls.TlsServerContext? Tls { get; init; }

    /// <summary>TLS listening ports (tls-listening-port), on every address; used only with <see cref="Tls"/>.</summary>
    public IReadOnlyList<int> TlsPorts { get; init; } = [];

    /// <summary>
    /// DTLS (null = none): UDP listeners on <see cref="TlsPorts"/> (plain STUN accepted there too) and
    /// DTLS detected by the first byte on every UDP listener, as coturn does.
    /// </summary>
    public Turn.Server.Dtls.DtlsServerContext? Dtls { get; init; }

    /// <summary>
    /// RFC 5780 (null = off): the alternates of the first of <see cref="Ports"/> and of <see cref="TlsPorts"/>,
    /// bound on every address with the same transports. A kernel-chosen main port (0) is then chosen
    /// once and used on every address, so that all addresses share the pair.
    /// </summary>
    public AlternatePorts? Alternates { get; init; }

    /// <summary>--tcp-proxy-port: plain TCP listeners, on every address, for connections that start with a PROXY protocol v2 header; 0 = none.</summary>
    public int ProxyPort { get; init; }

    /// <summary>
    /// --tcp-proxy-allowed-ip: the load balancers whose connections may carry a PROXY header; empty = loopback and
    /// private addresses only (<see cref="Proxy.ProxySourcePolicy.DefaultRanges"/>).
    /// </summary>
    public IReadOnlyList<AddressRange> ProxyAllowedSources { get; init; } = [];
}
