namespace Turn.Protocol;

/// <summary>
/// The unit a per-source limit counts: an IPv4 address, or an IPv6 /64. One IPv6 host (or one
/// customer of an ISP) is normally given a whole /64 and may use any of its 2^64 addresses, so
/// counting per /128 would let a single machine open unbounded connections by rotating addresses.
/// </summary>
public static class SourcePrefix
{
    /// <summary>Bits of an IPv6 address that name its source; the rest is the host part.</summary>
    public const int IPv6Bits = 64;

    /// <summary>
    /// The key to count <paramref name="address"/> under: port and scope id cleared, an IPv6
    /// address cut to its /64, an IPv4-mapped IPv6 address turned back into IPv4.
    /// </summary>
    public static StunAddress Of(in StunAddress address)
    {
        StunAddress plain = address.Unmapped();
        if (!plain.IsIPv6)
        {
            return plain.WithPort(0);
        }

        Span<byte> bytes = stackalloc byte[16];
        plain.WriteAddressBytes(bytes);
        bytes[(IPv6Bits / 8)..].Clear();
        return new StunAddress(bytes, 0);
    }
}
