using System.Buffers.Binary;
using System.Net.Sockets;
using Turn.Protocol;

namespace Turn.Security;

/// <summary>How an IPv6 address carries an IPv4 address (see <see cref="PeerAddress.Canonicalize"/>).</summary>
public enum IPv4Embedding
{
    /// <summary>Not an IPv6 address with an embedded IPv4 address (or not IPv6 at all).</summary>
    None = 0,

    /// <summary>IPv4-mapped <c>::ffff:a.b.c.d</c> (RFC 4291 §2.5.5.2): a dual-mode socket sends it as IPv4.</summary>
    Mapped,

    /// <summary>
    /// IPv4-compatible <c>::a.b.c.d</c> (RFC 4291 §2.5.5.1, deprecated); <c>::</c> and <c>::1</c> are excluded.
    /// Old automatic tunnels (Linux <c>sit0</c>) deliver it to the IPv4 host.
    /// </summary>
    Compatible,

    /// <summary>NAT64 well-known prefix <c>64:ff9b::a.b.c.d</c> (RFC 6052 §2.1): a NAT64 gateway delivers it to the IPv4 host.</summary>
    Nat64,
}

/// <summary>
/// Canonical form of peer addresses for access checks: every IPv6 spelling of an IPv4 address is
/// turned into that IPv4 address so that <c>::ffff:127.0.0.1</c> is loopback and <c>::ffff:10.0.0.1</c>
/// matches a denied <c>10.0.0.0/8</c>. All members are allocation-free.
/// </summary>
/// <remarks>
/// <para>Canonicalised: IPv4-mapped <c>::ffff:0:0/96</c>; IPv4-compatible <c>::/96</c> except <c>::</c>
/// (unspecified) and <c>::1</c> (loopback), which keep their IPv6 meaning; the NAT64 well-known prefix
/// <c>64:ff9b::/96</c>. For NAT64 the choice is deliberate: on a host behind a NAT64 gateway a packet to
/// <c>64:ff9b::a00:1</c> reaches <c>10.0.0.1</c>, so it must be judged as <c>10.0.0.1</c> (otherwise the
/// prefix is a way around every IPv4 deny rule, e.g. <c>64:ff9b::7f00:1</c> around the loopback rule).</para>
/// <para>Not canonicalised (they name a different, IPv6 destination; deny them by prefix if needed):
/// 6to4 <c>2002::/16</c>, Teredo <c>2001::/32</c>, NAT64 local-use prefixes such as <c>64:ff9b:1::/48</c>
/// (RFC 8215, variable embedding), SIIT IPv4-translated <c>::ffff:0:0:0/96</c>.</para>
/// </remarks>
public static class PeerAddress
{
    private const ulong Nat64WellKnownHigh = 0x0064_FF9B_0000_0000UL;

    /// <summary>
    /// The address to judge: the embedded IPv4 address of an IPv4-mapped, IPv4-compatible or NAT64
    /// well-known-prefix IPv6 address (port kept, scope id dropped), otherwise <paramref name="address"/> unchanged.
    /// </summary>
    public static StunAddress Canonicalize(in StunAddress address)
    {
        if (!address.IsIPv6)
        {
            return address;
        }

        Read(address, out ulong high, out ulong low);
        return GetEmbedding(high, low) != IPv4Embedding.None ? StunAddress.FromIPv4((uint)low, address.Port) : address;
    }

    /// <summary>How <paramref name="address"/> embeds an IPv4 address, if it does.</summary>
    public static IPv4Embedding GetEmbedding(in StunAddress address)
    {
        if (!address.IsIPv6)
        {
            return IPv4Embedding.None;
        }

        Read(address, out ulong high, out ulong low);
        return GetEmbedding(high, low);
    }

    /// <summary>Embedding of the IPv6 address <paramref name="high"/>:<paramref name="low"/>; the IPv4 value is <c>(uint)low</c>.</summary>
    internal static IPv4Embedding GetEmbedding(ulong high, ulong low)
    {
        uint top = (uint)(low >> 32);
        if (high == 0)
        {
            if (top == 0xFFFF)
            {
                return IPv4Embedding.Mapped;
            }

            // ::/96 minus :: and ::1.
            return top == 0 && low > 1 ? IPv4Embedding.Compatible : IPv4Embedding.None;
        }

        return high == Nat64WellKnownHigh && top == 0 ? IPv4Embedding.Nat64 : IPv4Embedding.None;
    }

    /// <summary>The 128 address bits of an IPv6 address (no allocation).</summary>
    internal static void Read(in StunAddress address, out ulong high, out ulong low)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (address.WriteAddressBytes(bytes) != 16)
        {
            high = 0;
            low = 0;
            return;
        }

        high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        low = BinaryPrimitives.ReadUInt64BigEndian(bytes.Slice(8));
    }

    /// <summary>
    /// Splits an address into its canonical form: IPv4 (<paramref name="v4"/>) or IPv6 (<paramref name="v6"/>),
    /// or <see cref="AddressFamily.Unspecified"/> for the empty value. For IPv6 input <paramref name="v6"/> is
    /// always the raw 128 bits, even when the canonical family is IPv4.
    /// </summary>
    internal static AddressFamily Split(in StunAddress address, out uint v4, out UInt128 v6, out IPv4Embedding embedding)
    {
        embedding = IPv4Embedding.None;
        v6 = UInt128.Zero;
        if (address.IsIPv4)
        {
            v4 = address.IPv4Value;
            return AddressFamily.InterNetwork;
        }

        if (!address.IsIPv6)
        {
            v4 = 0;
            return AddressFamily.Unspecified;
        }

        Read(address, out ulong high, out ulong low);
        v6 = new UInt128(high, low);
        v4 = (uint)low;
        embedding = GetEmbedding(high, low);
        return embedding == IPv4Embedding.None ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
    }
}
