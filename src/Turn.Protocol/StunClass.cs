namespace Turn.Protocol;

/// <summary>The 2-bit message class (RFC 8489 §5): C1 C0.</summary>
public enum StunClass : byte
{
    /// <summary>0b00.</summary>
    Request = 0,
    /// <summary>0b01.</summary>
    Indication = 1,
    /// <summary>0b10.</summary>
    SuccessResponse = 2,
    /// <summary>0b11.</summary>
    ErrorResponse = 3,
}
