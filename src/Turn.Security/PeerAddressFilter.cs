using System.Net.Sockets;
using System.Numerics;
using Turn.Protocol;

namespace Turn.Security;

/// <summary>
/// Decides whether an allocation may talk to a peer address (CreatePermission / ChannelBind / Connect → 403,
/// Send indication → silently dropped, incoming TCP connection → closed). Immutable and thread-safe: <see cref="IsAllowed"/>
/// and <see cref="Check"/> take no lock and allocate nothing. To change the rules build a new filter and swap the reference.
/// </summary>
/// <remarks>
/// <para>Order of the checks; the first that decides wins:</para>
/// <list type="number">
/// <item>The peer is canonicalised (<see cref="PeerAddress.Canonicalize"/>): IPv4-mapped, IPv4-compatible and NAT64
/// (<c>64:ff9b::/96</c>) spellings are judged as their IPv4 address.</item>
/// <item><see cref="PeerAddressFilterOptions.DenyAll"/> refuses everything; a database endpoint (IP and port) is refused.</item>
/// <item>The first range of <see cref="DefaultDeniedRanges"/> that contains the peer refuses it, unless what its
/// <see cref="DeniedRangeOpener"/> names lets it through: nothing for <c>0.0.0.0/8</c>, <c>::</c> and
/// <c>255.255.255.255</c>; allow-loopback-peers for loopback (then the checks go on); an allowed range for the others
/// (then the peer is allowed), for multicast and <c>240.0.0.0/4</c> only without no-multicast-peers.</item>
/// <item>Allowed if an allowed range contains the canonical address ("allow beats deny"). Allowed ranges only ever see
/// the canonical address, so an IPv6 allow rule (say <c>::/0</c>) can never open an IPv4 destination through
/// <c>::ffff:10.0.0.1</c> or <c>64:ff9b::a00:1</c>; an allowed range written IPv4-mapped (<c>::ffff:10.0.0.5</c>) is
/// used as the IPv4 range it maps.</item>
/// <item>An address of this machine or the server (<see cref="PeerAddressFilterOptions.LocalAddresses"/>) is refused
/// unless its port is a live relay port (<see cref="PeerAddressFilterOptions.LiveRelayPorts"/>).</item>
/// <item>Refused if a denied range contains the canonical address, or — for an IPv6 peer spelling an IPv4 address — the
/// address as written (<see cref="AddressRange.Contains"/>). Deny rules can only make the filter stricter this way:
/// <c>denied-peer-ip=64:ff9b::/96</c> switches NAT64 peers off, and the coturn hardening line
/// <c>::ffff:0.0.0.0-::ffff:255.255.255.255</c> refuses mapped spellings without refusing every IPv4 peer.</item>
/// <item>A 6to4, Teredo or NAT64 local-use peer (<see cref="PeerAddress.GetTunnelledIPv4(in StunAddress, out uint, out uint)"/>)
/// that passed all of that as an IPv6 address (an IPv6 allowed range included) is then judged by each IPv4 address it
/// leads to, with every rule above: refused with that address's reason if one is refused. To open one, allow the IPv4
/// address it leads to.</item>
/// <item>Otherwise allowed. The port matters only for local addresses and database endpoints; the IPv6 scope id never.</item>
/// </list>
/// </remarks>
public sealed class PeerAddressFilter
{
    private static readonly Fixed<uint>[] Table4 = [.. DefaultDeniedRanges.All.Where(r => r.Range.IsIPv4).Select(r => new Fixed<uint>((uint)r.Range.FirstValue, (uint)r.Range.LastValue, r.Reason, r.OpenedBy))];
    private static readonly Fixed<UInt128>[] Table6 = [.. DefaultDeniedRanges.All.Where(r => r.Range.IsIPv6).Select(r => new Fixed<UInt128>(r.Range.FirstValue, r.Range.LastValue, r.Reason, r.OpenedBy))];

    private readonly Interval<uint>[] _allow4;
    private readonly Interval<UInt128>[] _allow6;
    private readonly Interval<uint>[] _deny4;
    private readonly Interval<UInt128>[] _deny6;
    private readonly Interval<uint>[] _local4;
    private readonly Interval<UInt128>[] _local6;
    private readonly Endpoint<uint>[] _db4;
    private readonly Endpoint<UInt128>[] _db6;
    private readonly LiveRelayPorts? _liveRelayPorts;
    private readonly bool _allowLoopback;
    private readonly bool _noMulticast;
    private readonly bool _denyAll;

    /// <summary>Builds the filter from a snapshot of <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">A range is <c>default(AddressRange)</c>.</exception>
    public PeerAddressFilter(PeerAddressFilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _allowLoopback = options.AllowLoopbackPeers;
        _noMulticast = options.NoMulticastPeers;
        _denyAll = options.DenyAll;
        _liveRelayPorts = options.LiveRelayPorts;

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

        var local4 = new List<Interval<uint>>();
        var local6 = new List<Interval<UInt128>>();
        foreach (StunAddress address in options.LocalAddresses ?? [])
        {
            StunAddress a = PeerAddress.Canonicalize(address);
            if (!a.IsEmpty && !IsLoopback(a))
            {
                Add(AddressRange.Single(a.WithPort(0)), local4, local6);
            }
        }

        var db4 = new List<Endpoint<uint>>();
        var db6 = new List<Endpoint<UInt128>>();
        foreach (StunAddress address in options.DatabaseEndpoints ?? [])
        {
            switch (PeerAddress.Split(address, out uint v4, out UInt128 v6, out _))
            {
                case AddressFamily.InterNetwork:
                    db4.Add(new Endpoint<uint>(v4, address.Port));
                    break;
                case AddressFamily.InterNetworkV6:
                    db6.Add(new Endpoint<UInt128>(v6, address.Port));
                    break;
            }
        }

        _allow4 = Merge(allow4);
        _allow6 = Merge(allow6);
        _deny4 = Merge(deny4);
        _deny6 = Merge(deny6);
        _local4 = Merge(local4);
        _local6 = Merge(local6);
        _db4 = [.. db4];
        _db6 = [.. db6];
    }

    /// <summary>The options this filter was built from (to build a changed one with <c>with</c>).</summary>
    public PeerAddressFilterOptions Options { get; }

    /// <summary>True if loopback peers are not refused outright.</summary>
    public bool AllowLoopbackPeers => _allowLoopback;

    /// <summary>True if multicast (and 240.0.0.0/4) peers are refused even when an allowed range contains them.</summary>
    public bool NoMulticastPeers => _noMulticast;

    /// <summary>May an allocation talk to <paramref name="peer"/>? No allocation, no lock.</summary>
    public bool IsAllowed(in StunAddress peer) => Check(peer) == PeerDecision.Allowed;

    /// <summary><see cref="PeerDecision.Allowed"/>, or why <paramref name="peer"/> is refused. No allocation, no lock.</summary>
    public PeerDecision Check(in StunAddress peer)
    {
        if (_denyAll)
        {
            return peer.IsEmpty ? PeerDecision.Invalid : PeerDecision.PolicyUnavailable;
        }

        AddressFamily family = PeerAddress.Split(peer, out uint v4, out UInt128 v6, out IPv4Embedding embedding);
        switch (family)
        {
            case AddressFamily.InterNetwork:
                // embedding != None means the peer was written as IPv6: deny rules also see that spelling.
                return CheckIPv4(v4, peer.Port, embedding != IPv4Embedding.None && Contains(_deny6, v6));

            case AddressFamily.InterNetworkV6:
            {
                PeerDecision decision = CheckIPv6(v6, peer.Port);
                if (decision != PeerDecision.Allowed)
                {
                    return decision;
                }

                // 6to4, Teredo, NAT64 local-use: also judged by where the packets end up (even when an IPv6 allow
                // rule named the address: as for mapped spellings, only IPv4 rules open an IPv4 destination).
                int count = PeerAddress.GetTunnelledIPv4((ulong)(v6 >> 64), (ulong)v6, out uint first, out uint second);
                if (count >= 1 && (decision = CheckIPv4(first, peer.Port, deniedAsWritten: false)) != PeerDecision.Allowed)
                {
                    return decision;
                }

                return count == 2 ? CheckIPv4(second, peer.Port, deniedAsWritten: false) : PeerDecision.Allowed;
            }

            default:
                return PeerDecision.Invalid;
        }
    }

    /// <summary>
    /// True if some peer in <paramref name="range"/> (an IPv4 or IPv6 range outside <see cref="DefaultDeniedRanges"/>)
    /// may be reachable: no denied range covers all of it, or an allowed range meets it. For the start-up log
    /// ("RFC 1918 peers are reachable"); not on the packet path.
    /// </summary>
    public bool MayReach(AddressRange range)
    {
        if (_denyAll || range.Family is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return false;
        }

        return range.IsIPv4
            ? Meets(_allow4, (uint)range.FirstValue, (uint)range.LastValue) || !Covers(_deny4, (uint)range.FirstValue, (uint)range.LastValue)
            : Meets(_allow6, range.FirstValue, range.LastValue) || !Covers(_deny6, range.FirstValue, range.LastValue);
    }

    private PeerDecision CheckIPv4(uint v4, ushort port, bool deniedAsWritten)
    {
        foreach (Endpoint<uint> db in _db4)
        {
            if (db.Address == v4 && db.Port == port)
            {
                return PeerDecision.DatabaseEndpoint;
            }
        }

        bool allowed = Contains(_allow4, v4);
        foreach (Fixed<uint> f in Table4)
        {
            if (v4 >= f.First && v4 <= f.Last)
            {
                if (!Opens(f.OpenedBy, allowed))
                {
                    return f.Reason;
                }

                break;
            }
        }

        if (allowed)
        {
            return PeerDecision.Allowed;
        }

        if (Contains(_local4, v4) && !IsLiveRelayPort(port))
        {
            return PeerDecision.LocalInterface;
        }

        return Contains(_deny4, v4) || deniedAsWritten ? PeerDecision.DeniedRange : PeerDecision.Allowed;
    }

    private PeerDecision CheckIPv6(UInt128 v6, ushort port)
    {
        foreach (Endpoint<UInt128> db in _db6)
        {
            if (db.Address == v6 && db.Port == port)
            {
                return PeerDecision.DatabaseEndpoint;
            }
        }

        bool allowed = Contains(_allow6, v6);
        foreach (Fixed<UInt128> f in Table6)
        {
            if (v6 >= f.First && v6 <= f.Last)
            {
                if (!Opens(f.OpenedBy, allowed))
                {
                    return f.Reason;
                }

                break;
            }
        }

        if (allowed)
        {
            return PeerDecision.Allowed;
        }

        if (Contains(_local6, v6) && !IsLiveRelayPort(port))
        {
            return PeerDecision.LocalInterface;
        }

        return Contains(_deny6, v6) ? PeerDecision.DeniedRange : PeerDecision.Allowed;
    }

    /// <summary>Does the configuration let a peer of a fixed range through (to the remaining checks)?</summary>
    private bool Opens(DeniedRangeOpener opener, bool inAllowedRange) => opener switch
    {
        DeniedRangeOpener.AllowLoopbackPeers => _allowLoopback,
        DeniedRangeOpener.AllowedPeerIp => inAllowedRange,
        DeniedRangeOpener.AllowedPeerIpUnlessNoMulticastPeers => inAllowedRange && !_noMulticast,
        _ => false,
    };

    private bool IsLiveRelayPort(ushort port) => _liveRelayPorts is { } live && live.IsLive(port);

    private static bool IsLoopback(in StunAddress canonical)
        => canonical.IsIPv4 ? canonical.IPv4Value >> 24 == 127 : canonical.EqualsAddress(LoopbackV6);

    private static readonly StunAddress LoopbackV6 = StunAddress.FromIPAddress(System.Net.IPAddress.IPv6Loopback, 0);

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

    /// <summary>True if the merged <paramref name="ranges"/> hold every value of <paramref name="first"/>..<paramref name="last"/> (merged intervals never touch, so one must hold it all).</summary>
    private static bool Covers<T>(Interval<T>[] ranges, T first, T last)
        where T : struct, IBinaryInteger<T>
        => Array.Exists(ranges, r => r.First <= first && r.Last >= last);

    /// <summary>True if one of <paramref name="ranges"/> shares a value with <paramref name="first"/>..<paramref name="last"/>.</summary>
    private static bool Meets<T>(Interval<T>[] ranges, T first, T last)
        where T : struct, IBinaryInteger<T>
        => Array.Exists(ranges, r => r.First <= last && r.Last >= first);

    /// <summary>An inclusive interval of address values (IPv4 as uint, IPv6 as UInt128).</summary>
    private readonly record struct Interval<T>(T First, T Last)
        where T : struct, IBinaryInteger<T>;

    /// <summary>A row of <see cref="DefaultDeniedRanges.All"/> as values.</summary>
    private readonly record struct Fixed<T>(T First, T Last, PeerDecision Reason, DeniedRangeOpener OpenedBy)
        where T : struct, IBinaryInteger<T>;

    /// <summary>A database endpoint as values.</summary>
    private readonly record struct Endpoint<T>(T Address, ushort Port)
        where T : struct, IBinaryInteger<T>;
}
