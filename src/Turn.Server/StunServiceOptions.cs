namespace Turn.Server;

/// <summary>
/// What the engine needs to know to answer STUN requests. Filled by the program from the
/// configuration; the engine never reads configuration files itself.
/// </summary>
public sealed record StunServiceOptions
{
    /// <summary>Answer Binding only; every TURN method is dropped (coturn's --stun-only).</summary>
    public bool StunOnly { get; init; }

    /// <summary>Drop Binding requests (coturn's --no-stun).</summary>
    public bool NoStun { get; init; }

    /// <summary>Add FINGERPRINT to every response, not only to answers of requests that carried one (-f).</summary>
    public bool AlwaysFingerprint { get; init; }

    /// <summary>The SOFTWARE attribute value, or null to send none (--no-software-attribute).</summary>
    public string? Software { get; init; }

    /// <summary>Add MAPPED-ADDRESS next to XOR-MAPPED-ADDRESS for old RFC 3489 clients (coturn's default).</summary>
    public bool MappedAddressForOldClients { get; init; } = true;

    /// <summary>Answer classic RFC 3489 requests (no magic cookie).</summary>
    public bool Rfc3489Requests { get; init; } = true;

    /// <summary>Add RESPONSE-ORIGIN to Binding responses (RFC 5780 §7.3).</summary>
    public bool ResponseOrigin { get; init; } = true;

    /// <summary>
    /// RFC 5780 NAT behaviour discovery: the server's addresses with their OTHER-ADDRESS and the
    /// sockets that answer CHANGE-REQUEST; null when it is off (one listening address, or --no-rfc5780).
    /// </summary>
    public NatDiscoveryMap? NatDiscovery { get; init; }
}
