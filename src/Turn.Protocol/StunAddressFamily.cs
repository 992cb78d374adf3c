namespace Turn.Protocol;

/// <summary>
/// Address family codes on the wire (RFC 8489 §14.1), used by the address attributes and by
/// REQUESTED-ADDRESS-FAMILY / ADDITIONAL-ADDRESS-FAMILY / ADDRESS-ERROR-CODE (RFC 8656 §18.6, §18.11, §18.12).
/// A value read from the wire may be any byte; only these two are defined.
/// </summary>
public enum StunAddressFamily : byte
{
    /// <summary>0x01.</summary>
    IPv4 = 0x01,
    /// <summary>0x02.</summary>
    IPv6 = 0x02,
}
