using Turn.Protocol;

namespace Turn.Server;

/// <summary>Which family a relay gets when the client's Allocate does not say (--allocation-default-address-family).</summary>
public enum DefaultRelayFamily
{
    /// <summary>RFC 6156 §4.2: IPv4 unless asked.</summary>
    IPv4,

    IPv6,

    /// <summary>The family of the client's own connection to the server.</summary>
    Keep,
}

/// <summary>One --external-ip mapping: relay sockets bound to <see cref="Private"/> are advertised as <see cref="Public"/>.</summary>
/// <param name="Public">The address clients are told.</param>
/// <param name="Private">The local address it stands for; unspecified (default) = every relay address of that family.</param>
public readonly record struct ExternalAddress(StunAddress Public, StunAddress Private);

/// <summary>Everything the TURN engine needs from the configuration, already validated.</summary>
public sealed record TurnEngineOptions
{
    public StunServiceOptions Stun { get; init; } = new();

    /// <summary>Long-term credentials required (lt-cred-mech or use-auth-secret); false = no-auth.</summary>
    public bool Authenticate { get; init; }

    public string Realm { get; init; } = string.Empty;

    /// <summary>Nonce lifetime in seconds (stale-nonce); 0 = unlimited.</summary>
    public int NonceLifetimeSeconds { get; init; } = 600;

    /// <summary>RFC 8656 §7.2: the default allocation lifetime, 10 minutes.</summary>
    public int DefaultLifetimeSeconds { get; init; } = 600;

    public int MaxAllocateLifetimeSeconds { get; init; } = 3600;

    /// <summary>
    /// max-allocate-timeout (coturn): a client connection (TCP, TLS) that has no allocation this long after it was
    /// opened is closed, however busy it is; coturn's 3 s with stun-only.
    /// </summary>
    public int MaxAllocateTimeoutSeconds { get; init; } = 60;

    public int PermissionLifetimeSeconds { get; init; } = 300;

    public int ChannelLifetimeSeconds { get; init; } = 600;

    /// <summary>Permissions (peer IPs) one allocation may hold; a CreatePermission or ChannelBind beyond it gets 508.</summary>
    public int MaxPermissionsPerAllocation { get; init; } = 256;

    /// <summary>Channel bindings one allocation may hold; a ChannelBind beyond it gets 508.</summary>
    public int MaxChannelsPerAllocation { get; init; } = 256;

    /// <summary>
    /// rfc5766-channel-numbers: ChannelBind accepts RFC 5766's 0x4000-0x7FFF; otherwise only RFC 8656 §12's
    /// 0x4000-0x4FFF (the rest gets 400).
    /// </summary>
    public bool Rfc5766ChannelNumbers { get; init; }

    /// <summary>
    /// check-origin-consistency: once an Allocate carried ORIGIN, every later request of the session must carry
    /// the same one (441 otherwise), and a session that started without one must not name one.
    /// </summary>
    public bool CheckOriginConsistency { get; init; }

    /// <summary>Per-session bytes/s in each direction (max-bps); 0 = unlimited.</summary>
    public long MaxBps { get; init; }

    public bool NoUdpRelay { get; init; }

    public bool NoTcpRelay { get; init; }

    /// <summary>Non-standard: relay peer packets without a permission (server-relay).</summary>
    public bool ServerRelay { get; init; }

    public DefaultRelayFamily DefaultFamily { get; init; } = DefaultRelayFamily.IPv4;

    /// <summary>relay-ip: addresses relay sockets bind to; empty = the address the client reached.</summary>
    public IReadOnlyList<StunAddress> RelayAddresses { get; init; } = [];

    /// <summary>external-ip mappings.</summary>
    public IReadOnlyList<ExternalAddress> ExternalAddresses { get; init; } = [];
}
