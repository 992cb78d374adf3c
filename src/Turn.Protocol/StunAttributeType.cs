namespace Turn.Protocol;

/// <summary>
/// STUN attribute types. Numbers checked against the IANA "STUN Attributes" registry and the
/// defining RFCs: 3489 §11.2, 5780 §7, 6062 §6.2, 6156/8656 §18, 6679 §10.6, 7635 §12, 7982 §3.1,
/// 8016 §4, 8445 §20.1, 8489 §18.3. 0x0000–0x7FFF are comprehension-required, 0x8000–0xFFFF optional.
/// </summary>
public enum StunAttributeType : ushort
{
    // ---- comprehension-required ----
    /// <summary>RFC 8489 §14.1.</summary>
    MappedAddress = 0x0001,
    /// <summary>RFC 3489 §11.2.2 (reserved since RFC 5389).</summary>
    ResponseAddress = 0x0002,
    /// <summary>RFC 5780 §7.2 (RFC 3489 §11.2.4).</summary>
    ChangeRequest = 0x0003,
    /// <summary>RFC 3489 §11.2.5 (reserved since RFC 5389).</summary>
    SourceAddress = 0x0004,
    /// <summary>RFC 3489 §11.2.3 (reserved since RFC 5389).</summary>
    ChangedAddress = 0x0005,
    /// <summary>RFC 8489 §14.3.</summary>
    Username = 0x0006,
    /// <summary>RFC 3489 §11.2.7 (reserved since RFC 5389).</summary>
    Password = 0x0007,
    /// <summary>RFC 8489 §14.5.</summary>
    MessageIntegrity = 0x0008,
    /// <summary>RFC 8489 §14.8.</summary>
    ErrorCode = 0x0009,
    /// <summary>RFC 8489 §14.13.</summary>
    UnknownAttributes = 0x000A,
    /// <summary>RFC 3489 §11.2.11 (reserved since RFC 5389).</summary>
    ReflectedFrom = 0x000B,
    /// <summary>RFC 8656 §18.1.</summary>
    ChannelNumber = 0x000C,
    /// <summary>RFC 8656 §18.2.</summary>
    Lifetime = 0x000D,
    /// <summary>Reserved, was BANDWIDTH in TURN drafts (RFC 8656 §18); coturn still reads it.</summary>
    Bandwidth = 0x0010,
    /// <summary>RFC 8656 §18.3.</summary>
    XorPeerAddress = 0x0012,
    /// <summary>RFC 8656 §18.4.</summary>
    Data = 0x0013,
    /// <summary>RFC 8489 §14.9.</summary>
    Realm = 0x0014,
    /// <summary>RFC 8489 §14.10.</summary>
    Nonce = 0x0015,
    /// <summary>RFC 8656 §18.5.</summary>
    XorRelayedAddress = 0x0016,
    /// <summary>RFC 6156 §4.1.1 / RFC 8656 §18.6.</summary>
    RequestedAddressFamily = 0x0017,
    /// <summary>RFC 8656 §18.7.</summary>
    EvenPort = 0x0018,
    /// <summary>RFC 8656 §18.8.</summary>
    RequestedTransport = 0x0019,
    /// <summary>RFC 8656 §18.9.</summary>
    DontFragment = 0x001A,
    /// <summary>RFC 7635 §6.2 ACCESS-TOKEN (coturn: OAUTH_ACCESS_TOKEN).</summary>
    AccessToken = 0x001B,
    /// <summary>Alias of <see cref="AccessToken"/> under coturn's name.</summary>
    OAuthAccessToken = AccessToken,
    /// <summary>RFC 8489 §14.6.</summary>
    MessageIntegritySha256 = 0x001C,
    /// <summary>RFC 8489 §14.12.</summary>
    PasswordAlgorithm = 0x001D,
    /// <summary>RFC 8489 §14.4.</summary>
    UserHash = 0x001E,
    /// <summary>RFC 8489 §14.2.</summary>
    XorMappedAddress = 0x0020,
    /// <summary>Reserved, was TIMER-VAL in TURN drafts (RFC 8656 §18).</summary>
    TimerVal = 0x0021,
    /// <summary>RFC 8656 §18.10.</summary>
    ReservationToken = 0x0022,
    /// <summary>RFC 8445 §16.1.</summary>
    Priority = 0x0024,
    /// <summary>RFC 8445 §16.1.</summary>
    UseCandidate = 0x0025,
    /// <summary>RFC 5780 §7.6.</summary>
    Padding = 0x0026,
    /// <summary>RFC 5780 §7.5.</summary>
    ResponsePort = 0x0027,
    /// <summary>RFC 6062 §6.2.1.</summary>
    ConnectionId = 0x002A,

    // ---- comprehension-optional ----
    /// <summary>RFC 8656 §18.11.</summary>
    AdditionalAddressFamily = 0x8000,
    /// <summary>RFC 8656 §18.12.</summary>
    AddressErrorCode = 0x8001,
    /// <summary>RFC 8489 §14.11.</summary>
    PasswordAlgorithms = 0x8002,
    /// <summary>RFC 8489 §14.16.</summary>
    AlternateDomain = 0x8003,
    /// <summary>RFC 8656 §18.13.</summary>
    Icmp = 0x8004,
    /// <summary>Pre-RFC 5389 XOR-MAPPED-ADDRESS (draft code point still sent by old clients).</summary>
    LegacyXorMappedAddress = 0x8020,
    /// <summary>RFC 8489 §14.14.</summary>
    Software = 0x8022,
    /// <summary>RFC 8489 §14.15.</summary>
    AlternateServer = 0x8023,
    /// <summary>RFC 7982 §3.1.</summary>
    TransactionTransmitCounter = 0x8025,
    /// <summary>IANA 0x8027, registered by RFC 5780.</summary>
    CacheTimeout = 0x8027,
    /// <summary>RFC 8489 §14.7.</summary>
    Fingerprint = 0x8028,
    /// <summary>RFC 8445 §16.1.</summary>
    IceControlled = 0x8029,
    /// <summary>RFC 8445 §16.1.</summary>
    IceControlling = 0x802A,
    /// <summary>RFC 5780 §7.3.</summary>
    ResponseOrigin = 0x802B,
    /// <summary>RFC 5780 §7.4.</summary>
    OtherAddress = 0x802C,
    /// <summary>RFC 6679 §7.2.2.</summary>
    EcnCheck = 0x802D,
    /// <summary>RFC 7635 §6.1.</summary>
    ThirdPartyAuthorization = 0x802E,
    /// <summary>draft-ietf-tram-stun-origin; coturn STUN_ATTRIBUTE_ORIGIN.</summary>
    Origin = 0x802F,
    /// <summary>RFC 8016 §3.3 / §4.</summary>
    MobilityTicket = 0x8030,
    /// <summary>coturn's pre-RFC 8656 code point for ADDITIONAL-ADDRESS-FAMILY (ns_turn_msg_defs_new.h).</summary>
    LegacyAdditionalAddressFamily = 0x8032,
    /// <summary>coturn's pre-RFC 8656 code point for ADDRESS-ERROR-CODE (ns_turn_msg_defs_new.h).</summary>
    LegacyAddressErrorCode = 0x8033,
}
