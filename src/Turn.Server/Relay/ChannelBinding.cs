using Turn.Protocol;

namespace Turn.Server.Relay;

/// <summary>
/// A channel binding: number ↔ peer transport address, and when it ends (RFC 8656 §12). One object is
/// reachable from both of the allocation's channel tables, so a refresh updates both.
/// </summary>
internal sealed class ChannelBinding(ushort number, StunAddress peer, long expiresAtMs)
{
    public ushort Number { get; } = number;

    public StunAddress Peer { get; } = peer;

    public long ExpiresAtMs { get; set; } = expiresAtMs;
}

/// <summary>What <see cref="Allocation.TryBindChannel"/> did.</summary>
internal enum ChannelBindResult
{
    /// <summary>Bound, or the same pair refreshed.</summary>
    Bound,

    /// <summary>The number is bound to another peer, or the peer to another number (400).</summary>
    Conflict,

    /// <summary>A new binding, and the allocation already holds its maximum (508).</summary>
    Full,
}
