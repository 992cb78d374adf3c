namespace Turn.Server;

/// <summary>Why a packet got no answer. Counted per worker; never logged per packet by default.</summary>
public enum DropReason
{
    NotStun,
    Malformed,
    NotARequest,
    BadFingerprint,
    StunDisabled,
    TurnDisabled,
}
