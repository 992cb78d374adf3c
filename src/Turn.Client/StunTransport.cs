namespace Turn.Client;

/// <summary>How a Binding request travels.</summary>
public enum StunTransport
{
    /// <summary>UDP with RFC 8489 §6.2.1 retransmissions.</summary>
    Udp,

    /// <summary>One request on a fresh TCP connection (RFC 8489 §6.2.2), framed by the STUN length field.</summary>
    Tcp,
}
