namespace Turn.Protocol;

/// <summary>Outcome of <see cref="StunMessage.TryParse"/>.</summary>
public enum StunParseStatus
{
    /// <summary>A well-formed STUN message (RFC 5389/8489, or RFC 3489 classic without cookie).</summary>
    Ok,

    /// <summary>
    /// Not STUN: shorter than a header, first two bits not 00 (ChannelData, RTP, ...), or a message
    /// without the magic cookie whose framing does not hold (so it is not an RFC 3489 message either,
    /// e.g. a DTLS record).
    /// </summary>
    NotStun,

    /// <summary>
    /// Has the magic cookie, so it claims to be STUN, but its length field or attribute framing is
    /// broken, or an attribute follows FINGERPRINT (RFC 8489 §14.7), or FINGERPRINT has a bad length.
    /// </summary>
    Malformed,
}
