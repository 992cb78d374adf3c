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

    /// <summary>
    /// NAT64 local-use prefix <c>64:ff9b:1::/48</c> (RFC 8215), IPv4 address laid out as RFC 6052 §2.2 for the
    /// operator's prefix length (see <see cref="PeerAddress.GetTunnelledIPv4(in StunAddress, out uint, out uint)"/>).
    /// Not canonicalised: it names an IPv6 destination that only the operator's own NAT64 translates.
    /// </summary>
    Nat64LocalUse,

    /// <summary>6to4 <c>2002:V4ADDR::/48</c> (RFC 3056): the IPv4 address of the 6to4 router in bits 16-47. Not canonicalised.</summary>
    SixToFour,

    /// <summary>
    /// Teredo <c>2001::/32</c> (RFC 4380): the Teredo server's IPv4 address in bits 32-63 and the client's, inverted,
    /// in the last 32 bits. Not canonicalised.
    /// </summary>
    Teredo,
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
/// <para>Not canonicalised, because they name a different, IPv6 destination, but reported by
/// <see cref="GetEmbedding(in StunAddress)"/> and <see cref="GetTunnelledIPv4(in StunAddress, out uint, out uint)"/> so that
/// <see cref="PeerAddressFilter"/> can judge the IPv4 addresses they lead to: 6to4 <c>2002::/16</c>, Teredo
/// <c>2001::/32</c> and the NAT64 local-use prefix <c>64:ff9b:1::/48</c>. SIIT IPv4-translated
/// <c>::ffff:0:0:0/96</c> is neither.</para>
/// </remarks>
public static class PeerAddress
{
    private const ulong Nat64WellKnownHigh = 0x0064_FF9B_0000_0000UL;
    private const ulong Nat64LocalUsePrefix = 0x0064_FF9B_0001UL; // the top 48 bits
    private const ulong SixToFourPrefix = 0x2002UL; // the top 16 bits
    private const ulong TeredoPrefix = 0x2001_0000UL; // the top 32 bits

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
        return IsTranslated(GetEmbedding(high, low)) ? StunAddress.FromIPv4((uint)low, address.Port) : address;
    }

    /// <summary>
    /// The IPv4 addresses a 6to4, Teredo or NAT64 local-use address leads to (as IPv4 values): 0 for any other
    /// address (including the forms <see cref="Canonicalize"/> unwraps), else 1 or 2, in <paramref name="first"/> and
    /// <paramref name="second"/>. 6to4: the router (bits 16-47). Teredo: the server (bits 32-63) and the client (the
    /// last 32 bits inverted). NAT64 local-use: the operator's prefix length is not known here, so both layouts of
    /// RFC 6052 §2.2 that fit a prefix inside <c>64:ff9b:1::/48</c> and are in use are reported: the /48 layout
    /// (bits 48-63 and 72-87, skipping the "u" octet 64-71) and the /96 layout (bits 96-127). A layout whose result
    /// lies in <c>0.0.0.0/8</c> is taken as not in use and left out, unless both are (then the /96 one is reported,
    /// so <c>64:ff9b:1::</c> is still judged as <c>0.0.0.0</c>). No allocation.
    /// </summary>
    public static int GetTunnelledIPv4(in StunAddress address, out uint first, out uint second)
    {
        if (!address.IsIPv6)
        {
            first = 0;
            second = 0;
            return 0;
        }

        Read(address, out ulong high, out ulong low);
        return GetTunnelledIPv4(high, low, out first, out second);
    }

    /// <summary><see cref="GetTunnelledIPv4(in StunAddress, out uint, out uint)"/> on the 128 bits <paramref name="high"/>:<paramref name="low"/>.</summary>
    internal static int GetTunnelledIPv4(ulong high, ulong low, out uint first, out uint second)
    {
        second = 0;
        switch (GetEmbedding(high, low))
        {
            case IPv4Embedding.Nat64LocalUse:
            {
                // /48: bits 48-63 are the low 16 bits of high; bits 72-87 are bits 40-55 of low, counted from its top.
                uint layout48 = ((uint)(high & 0xFFFF) << 16) | (uint)((low >> 40) & 0xFFFF);
                uint layout96 = (uint)low;
                bool use48 = layout48 >> 24 != 0;
                bool use96 = layout96 >> 24 != 0;
                if (use48 && use96)
                {
                    first = layout48;
                    second = layout96;
                    return 2;
                }

                first = use48 ? layout48 : layout96;
                return 1;
            }

            case IPv4Embedding.SixToFour:
                first = (uint)(high >> 16);
                return 1;
            case IPv4Embedding.Teredo:
                first = (uint)high;
                second = ~(uint)low;
                return 2;
            default:
                first = 0;
                return 0;
        }
    }

    /// <summary>True for the embeddings <see cref="Canonicalize"/> turns into the IPv4 address (mapped, compatible, NAT64 well-known).</summary>
    public static bool IsTranslated(IPv4Embedding embedding)
        => embedding is IPv4Embedding.Mapped or IPv4Embedding.Compatible or IPv4Embedding.Nat64;

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

        if (high == Nat64WellKnownHigh && top == 0)
        {
            return IPv4Embedding.Nat64;
        }

        if (high >> 16 == Nat64LocalUsePrefix)
        {
            return IPv4Embedding.Nat64LocalUse;
        }

        if (high >> 48 == SixToFourPrefix)
        {
            return IPv4Embedding.SixToFour;
        }

        return high >> 32 == TeredoPrefix ? IPv4Embedding.Teredo : IPv4Embedding.None;
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
    /// always the raw 128 bits, even when the canonical family is IPv4, and <paramref name="embedding"/> says how it
    /// carries an IPv4 address (the family is IPv4 only for <see cref="IsTranslated"/> embeddings).
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
        return IsTranslated(embedding) ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
    }
}
