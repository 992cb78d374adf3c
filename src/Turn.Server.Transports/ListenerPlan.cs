using System.Net;

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
}
