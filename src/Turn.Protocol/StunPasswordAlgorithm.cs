namespace Turn.Protocol;

/// <summary>IANA "STUN Password Algorithms" (RFC 8489 §18.5).</summary>
public enum StunPasswordAlgorithm : ushort
{
    /// <summary>0x0000 is reserved.</summary>
    Reserved = 0x0000,
    /// <summary>RFC 8489 §18.5.1.1: 16-byte key = MD5(username ":" realm ":" password).</summary>
    Md5 = 0x0001,
    /// <summary>RFC 8489 §18.5.1.2: 32-byte key = SHA-256(username ":" realm ":" password).</summary>
    Sha256 = 0x0002,
}
