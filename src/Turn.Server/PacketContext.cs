using Turn.Protocol;

namespace Turn.Server;

/// <summary>Where a packet came from and where it arrived: the 5-tuple minus the protocol byte.</summary>
/// <param name="Client">The client's transport address as the server sees it (the reflexive address).</param>
/// <param name="Local">The server address the packet was received on.</param>
/// <param name="Transport">The client-facing transport.</param>
public readonly record struct PacketContext(StunAddress Client, StunAddress Local, TransportKind Transport);
