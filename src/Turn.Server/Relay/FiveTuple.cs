using Turn.Protocol;

namespace Turn.Server.Relay;

/// <summary>
/// The client's 5-tuple (RFC 8656 §2): client address, server address and transport. An
/// allocation is found by it; a new one on the same 5-tuple is refused with 437.
/// </summary>
public readonly record struct FiveTuple(StunAddress Client, StunAddress Server, TransportKind Transport)
{
    public static FiveTuple Of(in PacketContext context) => new(context.Client, context.Local, context.Transport);
}
