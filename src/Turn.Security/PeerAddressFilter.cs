using System.Net.Sockets;
using System.Numerics;
using Turn.Protocol;

namespace Turn.Security;

/// <summary>
/// Decides whether an allocation may talk to a peer address (CreatePermission / ChannelBind → 403,
/// Send indication / ChannelData → silently dropped). Immutable and thread-safe: <see cref="IsAllowed"/> and
/// <see cref="Check"/> take no lock and allocate nothing. To change the rules build a new filter and swap
/// the reference.
/// </summary>
/// <remarks>
/// <para>Order of the checks (coturn 4.6.1 semantics plus hardening):</para>
/// <list type="number">
/// <item>The peer is canonicalised (<see cref="PeerAddress.Canonicalize"/>): IPv4-mapped, IPv4-compatible
/// and NAT64 (<c>64:ff9b::/96</c>) spellings are judged as their IPv4 address.</item>
/// <item>Always refused, whatever the ranges say: <c>0.0.0.0/8</c> and <c>::</c>; <c>255.255.255.255</c> (never a
/// unicast peer; subnet-directed broadcasts cannot be known here — deny the relay's subnets); unless
/// <see cref="PeerAddressFilterOptions.AllowLoopbackPeers"/>, <c>127.0.0.0/8</c> and <c>::1</c>; with
/// <see cref="PeerAddressFilterOptions.NoMulticastPeers"/>, <c>224.0.0.0/4</c>, <c>ff00::/8</c> and <c>240.0.0.0/4</c>
/// (coturn refuses every IPv4 address above 223.x).</item>
/// <item>Allowed if an allowed range contains the canonical address ("allow beats deny"). Allowed ranges
/// only ever see the canonical address, so an IPv6 allow rule (say <c>::/0</c>) can never open an IPv4
/// destination through <c>::ffff:10.0.0.1</c> or <c>64:ff9b::a00:1</c>; an allowed range written
/// IPv4-mapped (<c>::ffff:10.0.0.5</c>) is used as the IPv4 range it maps.</item>
/// <item>Refused if a denied range contains the canonical address, or — for an IPv6 peer spelling an IPv4
/// address — the address as written (<see cref="AddressRange.Contains"/>). Deny rules can only make the
/// filter stricter this way: <c>denied-peer-ip=64:ff9b::/96</c> switches NAT64 peers off, and the coturn
/// hardening line <c>::ffff:0.0.0.0-::ffff:255.255.255.255</c> refuses mapped spellings without refusing
/// every IPv4 peer.</item>
/// <item>Otherwise allowed. The port and the IPv6 scope id play no part.</item>
/// </list>
/// </remarks>
public sealed class PeerAddressFilter
{
    private readonly Interval<uint>[] _allow4;
    private readonly Interval<UInt128>[] _allow6;
    private readonly Interval<uint>[] _deny4;
    private readonly Interval<UInt128>[] _deny6;
    private readonly bool _allowLoopback;
    private readonly bool _noMulticast;

    /// <summary>Builds the filter from a snapshot of <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">A range is <c>default(AddressRange)</c>.</exception>
    public PeerAddressFilter(PeerAddressFilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _allowLoopback = options.AllowLoopbackPeers;
        _noMulticast = options.NoMulticastPeers;

        var allow4 = new List<Interval<uint>>();
        var allow6 = new List<Interval<UInt128>>();
        foreach (AddressRange range in options.Allowed ?? [])
        {
            AddressRange r = Validate(range, nameof(options)).Unmapped();
            Add(r, allow4, allow6);
        }

        var deny4 = new List<Interval<uint>>();
        var deny6 = new List<Interval<UInt128>>();
        foreach (AddressRange range in options.Denied ?? [])
        {
            Add(Validate(range, nameof(options)), deny4, deny6);
        }

        _allow4 = Merge(allow4);
        _allow6 = Merge(allow6);
        _deny4 = Merge(deny4);
        _deny6 = Merge(deny6);
    }

    /// <summary>True if loopback peers are not refused outright.</summary>
    public bool AllowLoopbackPeers => _allowLoopback;

    /// <summary>True if multicast (and 240.0.0.0/4) peers are refused.</summary>
    public bool NoMulticastPeers => _noMulticast;

    /// <summary>May an allocation talk to <paramref name="peer"/>? No allocation, no lock.</summary>
    public bool IsAllowed(in StunAddress peer) => Check(peer) == PeerDecision.Allowed;

    /// <summary><see cref="PeerDecision.Allowed"/>, or why <paramref name="peer"/> is refused. No allocation, no lock.</summary>
    public PeerDecision Check(in StunAddress peer)
    {
        AddressFamily family = PeerAddress.Split(peer, out uint v4, out UInt128 v6, out IPv4Embedding embedding);
        switch (family)
        {
            case AddressFamily.InterNetwork:
            {
                uint first = v4 >> 24;
                if (first == 0)
                {
                    return PeerDecision.Unspecified;
                }

                if (v4 == uint.MaxValue)
                {
                    return PeerDecision.Broadcast;
                }

                if (first == 127 && !_allowLoopback)
                {
                    return PeerDecision.Loopback;
                }

                if (_noMulticast && first >= 224)
                {
                    return first < 240 ? PeerDecision.Multicast : PeerDecision.Reserved;
                }

                if (Contains(_allow4, v4))
                {
                    return PeerDecision.Allowed;
                }

                // embedding != None means the peer was written as IPv6: deny rules also see that spelling.
                return Contains(_deny4, v4) || (embedding != IPv4Embedding.None && Contains(_deny6, v6))
                    ? PeerDecision.DeniedRange
                    : PeerDecision.Allowed;
            }

            case AddressFamily.InterNetworkV6:
            {
                if (v6 == UInt128.Zero)
                {
                    return PeerDecision.Unspecified;
                }

                if (v6 == UInt128.One && !_allowLoopback)
                {
                    return PeerDecision.Loopback;
                }

                if (_noMulticast && (v6 >> 120) == 0xFF)
                {
                    return PeerDecision.Multicast;
                }

                if (Contains(_allow6, v6))
                {
                    return PeerDecision.Allowed;
                }

                return Contains(_deny6, v6) ? PeerDecision.DeniedRange : PeerDecision.Allowed;
            }

            default:
                return PeerDecision.Invalid;
        }
    }

    private static AddressRange Validate(AddressRange range, string paramName)
        => range.Family is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6
            ? range
            : throw new ArgumentException("An address range list holds an empty (default) AddressRange.", paramName);

    private static void Add(AddressRange range, List<Interval<uint>> v4, List<Interval<UInt128>> v6)
    {
        if (range.IsIPv4)
        {
            v4.Add(new Interval<uint>((uint)range.FirstValue, (uint)range.LastValue));
        }
        else
        {
            v6.Add(new Interval<UInt128>(range.FirstValue, range.LastValue));
        }
    }

    /// <summary>Sorts the ranges and merges overlapping or adjacent ones, so a binary search decides membership.</summary>
    private static Interval<T>[] Merge<T>(List<Interval<T>> ranges)
        where T : struct, IBinaryInteger<T>
    {
        ranges.Sort(static (a, b) => a.First.CompareTo(b.First));
        var merged = new List<Interval<T>>(ranges.Count);
        foreach (Interval<T> r in ranges)
        {
            if (merged.Count > 0)
            {
                Interval<T> last = merged[^1];
                if (last.Last == T.AllBitsSet || r.First <= last.Last + T.One)
                {
                    if (r.Last > last.Last)
                    {
                        merged[^1] = new Interval<T>(last.First, r.Last);
                    }

                    continue;
                }
            }

            merged.Add(r);
        }

        return [.. merged];
    }

    private static bool Contains<T>(Interval<T>[] ranges, T value)
        where T : struct, IBinaryInteger<T>
    {
        int lo = 0;
        int hi = ranges.Length - 1;
        while (lo <= hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            ref readonly Interval<T> r = ref ranges[mid];
            if (value < r.First)
            {
                hi = mid - 1;
            }
            else if (value > r.Last)
            {
                lo = mid + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An inclusive interval of address values (IPv4 as uint, IPv6 as UInt128).</summary>
    private readonly record struct Interval<T>(T First, T Last)
        where T : struct, IBinaryInteger<T>;
}
