using Turn.Protocol;

namespace Turn.Client.Turn;

/// <summary>How a dual-stack request (RFC 8656 §7.1 ADDITIONAL-ADDRESS-FAMILY) is numbered on the wire.</summary>
public enum TurnDualAllocationEncoding
{
    /// <summary>ADDITIONAL-ADDRESS-FAMILY = 0x8000 (RFC 8656).</summary>
    Rfc8656,

    /// <summary>0x8032, the draft number coturn 4.6.x and its turnutils_uclient use.</summary>
    CoturnLegacy,
}

/// <summary>The optional attributes of an Allocate request (RFC 8656 §7.1, RFC 6156).</summary>
public sealed record TurnAllocateOptions
{
    /// <summary>Defaults: UDP relay, server's default lifetime and family, no EVEN-PORT.</summary>
    public static TurnAllocateOptions Default { get; } = new();

    /// <summary>REQUESTED-TRANSPORT protocol number: 17 (UDP, default) or 6 (TCP, RFC 6062).</summary>
    public byte Transport { get; init; } = 17;

    /// <summary>LIFETIME to ask for, in seconds; null leaves it to the server (600 s by default).</summary>
    public uint? Lifetime { get; init; }

    /// <summary>REQUESTED-ADDRESS-FAMILY; null sends none (the server then relays in the family it is reached by).</summary>
    public StunAddressFamily? RequestedFamily { get; init; }

    /// <summary>Ask for an IPv6 relay on top of the IPv4 one (dual allocation, ADDITIONAL-ADDRESS-FAMILY = IPv6).</summary>
    public bool Dual { get; init; }

    /// <summary>The attribute number used for <see cref="Dual"/>.</summary>
    public TurnDualAllocationEncoding DualEncoding { get; init; } = TurnDualAllocationEncoding.Rfc8656;

    /// <summary>EVEN-PORT: null = absent, false = even port, true = even port and reserve the next one (R bit).</summary>
    public bool? EvenPort { get; init; }

    /// <summary>RESERVATION-TOKEN of an earlier EVEN-PORT allocation (its reserved odd port); excludes the family options.</summary>
    public ulong? ReservationToken { get; init; }

    /// <summary>DONT-FRAGMENT: ask the server to set DF on relayed datagrams.</summary>
    public bool DontFragment { get; init; }

    /// <summary>coturn's BANDWIDTH (0x8010) request in bytes per second (sent as bytes/s ÷ 128, as coturn does); null = none.</summary>
    public ulong? Bandwidth { get; init; }

    /// <summary>ORIGIN attributes (draft-ietf-tram-stun-origin) added to the request.</summary>
    public IReadOnlyList<string> Origins { get; init; } = [];
}
