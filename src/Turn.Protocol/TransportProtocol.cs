namespace Turn.Protocol;

/// <summary>
/// REQUESTED-TRANSPORT protocol numbers (IANA protocol numbers; RFC 8656 §18.8 allows UDP,
/// RFC 6062 §5.1 adds TCP).
/// </summary>
public static class TransportProtocol
{
    /// <summary>6.</summary>
    public const byte Tcp = 6;
    /// <summary>17.</summary>
    public const byte Udp = 17;
}
