namespace Turn.Protocol;

/// <summary>
/// STUN/TURN error codes (RFC 8489 §14.8, RFC 8656 §19, RFC 6062 §6.3, RFC 8016 §3.4, RFC 8445 §16.2)
/// and their reason phrases. The phrases are coturn's (get_default_reason), which match the RFCs except
/// that 401 reads "Unauthorized" (RFC 5389's word; RFC 8489 says "Unauthenticated").
/// </summary>
public static class StunErrorCode
{
    /// <summary>300.</summary>
    public const int TryAlternate = 300;
    /// <summary>400.</summary>
    public const int BadRequest = 400;
    /// <summary>401.</summary>
    public const int Unauthorized = 401;
    /// <summary>403 (RFC 8656).</summary>
    public const int Forbidden = 403;
    /// <summary>404 (coturn).</summary>
    public const int NotFound = 404;
    /// <summary>405 (RFC 8016).</summary>
    public const int MobilityForbidden = 405;
    /// <summary>420.</summary>
    public const int UnknownAttribute = 420;
    /// <summary>437 (RFC 8656).</summary>
    public const int AllocationMismatch = 437;
    /// <summary>438.</summary>
    public const int StaleNonce = 438;
    /// <summary>440 (RFC 8656).</summary>
    public const int AddressFamilyNotSupported = 440;
    /// <summary>441 (RFC 8656).</summary>
    public const int WrongCredentials = 441;
    /// <summary>442 (RFC 8656).</summary>
    public const int UnsupportedTransportProtocol = 442;
    /// <summary>443 (RFC 8656).</summary>
    public const int PeerAddressFamilyMismatch = 443;
    /// <summary>446 (RFC 6062).</summary>
    public const int ConnectionAlreadyExists = 446;
    /// <summary>447 (RFC 6062).</summary>
    public const int ConnectionTimeoutOrFailure = 447;
    /// <summary>486 (RFC 8656).</summary>
    public const int AllocationQuotaReached = 486;
    /// <summary>487 (RFC 8445).</summary>
    public const int RoleConflict = 487;
    /// <summary>500.</summary>
    public const int ServerError = 500;
    /// <summary>508 (RFC 8656).</summary>
    public const int InsufficientCapacity = 508;

    /// <summary>The recommended reason phrase, or "Unknown error" for a code without one.</summary>
    public static string DefaultReason(int code) => code switch
    {
        TryAlternate => "Try Alternate",
        BadRequest => "Bad Request",
        Unauthorized => "Unauthorized",
        Forbidden => "Forbidden",
        NotFound => "Not Found",
        MobilityForbidden => "Mobility Forbidden",
        UnknownAttribute => "Unknown Attribute",
        AllocationMismatch => "Allocation Mismatch",
        StaleNonce => "Stale Nonce",
        AddressFamilyNotSupported => "Address Family not Supported",
        WrongCredentials => "Wrong Credentials",
        UnsupportedTransportProtocol => "Unsupported Transport Protocol",
        PeerAddressFamilyMismatch => "Peer Address Family Mismatch",
        ConnectionAlreadyExists => "Connection Already Exists",
        ConnectionTimeoutOrFailure => "Connection Timeout or Failure",
        AllocationQuotaReached => "Allocation Quota Reached",
        RoleConflict => "Role Conflict",
        ServerError => "Server Error",
        InsufficientCapacity => "Insufficient Capacity",
        _ => "Unknown error",
    };
}
