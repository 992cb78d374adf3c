namespace Turn.Server.Auth;

/// <summary>What the long-term credential check (RFC 8489 §9.2.4) decided about a request.</summary>
public enum AuthOutcome
{
    /// <summary>Authenticated; the session credentials are known.</summary>
    Ok,

    /// <summary>No (or failed) MESSAGE-INTEGRITY, unknown user, wrong password: 401 with REALM and NONCE.</summary>
    Unauthorized,

    /// <summary>The NONCE is ours but expired, or not ours: 438 with a fresh NONCE.</summary>
    StaleNonce,

    /// <summary>Integrity present but USERNAME/REALM/NONCE missing or PASSWORD-ALGORITHM(S) inconsistent: 400.</summary>
    BadRequest,

    /// <summary>A different user than the allocation's: 441 (RFC 8656 §6.2).</summary>
    WrongCredentials,

    /// <summary>
    /// REALM is not the realm of the session (the one its nonce was issued with, or the allocation's): as coturn,
    /// 437 for an Allocate, 441 for other requests.
    /// </summary>
    WrongRealm,

    /// <summary>The key lookup is under way; the request is re-run when it completes.</summary>
    Pending,
}
