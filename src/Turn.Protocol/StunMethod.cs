namespace Turn.Protocol;

/// <summary>
/// STUN/TURN methods (IANA "STUN Methods"; RFC 8489, RFC 8656 §17, RFC 6062 §6.1).
/// A parsed message may carry any 12-bit value; undefined ones are simply not named here.
/// </summary>
public enum StunMethod : ushort
{
    /// <summary>RFC 8489.</summary>
    Binding = 0x001,
    /// <summary>RFC 3489 only (reserved since RFC 5389).</summary>
    SharedSecret = 0x002,
    /// <summary>RFC 8656.</summary>
    Allocate = 0x003,
    /// <summary>RFC 8656.</summary>
    Refresh = 0x004,
    /// <summary>RFC 8656 (indication only).</summary>
    Send = 0x006,
    /// <summary>RFC 8656 (indication only).</summary>
    Data = 0x007,
    /// <summary>RFC 8656.</summary>
    CreatePermission = 0x008,
    /// <summary>RFC 8656.</summary>
    ChannelBind = 0x009,
    /// <summary>RFC 6062.</summary>
    Connect = 0x00A,
    /// <summary>RFC 6062.</summary>
    ConnectionBind = 0x00B,
    /// <summary>RFC 6062.</summary>
    ConnectionAttempt = 0x00C,
}
