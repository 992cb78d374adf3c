using Turn.Protocol;

namespace Turn.Server;

/// <summary>Where a packet came from and where it arrived: the 5-tuple minus the protocol byte.</summary>
/// <param name="Client">The client's transport address as the server sees it (the reflexive address).</param>
/// <param name="Local">The server address the packet was received on.</param>
/// <param name="Transport">The client-facing transport.</param>
/// <param name="SocketId">
/// The transport's handle for answering: the worker's listener index for UDP, the connection id for
/// TCP/TLS. Opaque to the engine; given back to the transport with every send.
/// </param>
public readonly record struct PacketContext(StunAddress Client, StunAddress Local, TransportKind Transport, int SocketId = 0)
{
    /// <summary>True for transports where ChannelData is padded to 4 bytes (RFC 8656 §12.5).</summary>
    public bool IsStream => Transport is TransportKind.Tcp or TransportKind.Tls;
}
