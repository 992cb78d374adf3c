using System.Numerics;
using Turn.Protocol;
using static Turn.Security.Tests.TestAddresses;

namespace Turn.Security.Tests;

/// <summary>Issue 9's peer matrix and the deny-by-default table, the local-address and database rules.</summary>
public class DefaultDeniedRangesTests
{
    private const PeerDecision Ok = PeerDecision.Allowed;

    [Theory]
    // the peers that succeeded before issue 9
    [InlineData("169.254.169.254", PeerDecision.LinkLocal)] // cloud metadata service
    [InlineData("169.254.0.1", PeerDecision.LinkLocal)]
    [InlineData("fe80::1", PeerDecision.LinkLocal)]
    [InlineData("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PeerDecision.LinkLocal)]
    [InlineData("fc00::1", PeerDecision.UniqueLocal)]
    [InlineData("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PeerDecision.UniqueLocal)]
    [InlineData("fec0::1", PeerDecision.SiteLocal)]
    [InlineData("224.0.0.251", PeerDecision.Multicast)] // mDNS
    [InlineData("239.255.255.250", PeerDecision.Multicast)] // SSDP
    [InlineData("240.0.0.1", PeerDecision.Reserved)]
    [InlineData("ff02::1", PeerDecision.Multicast)]
    [InlineData("2002:7f00:1::", PeerDecision.Loopback)] // 6to4 around 127.0.0.1
    [InlineData("2002:a9fe:a9fe::1", PeerDecision.LinkLocal)] // 6to4 around the metadata service
    [InlineData("2001:0:4136:e378:8000:63bf:80ff:fffe", PeerDecision.Loopback)] // Teredo, client 127.0.0.1
    [InlineData("2001:0:7f00:1:8000:63bf:f7f7:f7f7", PeerDecision.Loopback)] // Teredo, server 127.0.0.1
    [InlineData("64:ff9b:1::7f00:1", PeerDecision.Loopback)] // NAT64 local-use, /96 layout
    [InlineData("64:ff9b:1:7f00:0:100::", PeerDecision.Loopback)] // NAT64 local-use, RFC 6052 /48 layout
    [InlineData("64:ff9b:1::a9fe:a9fe", PeerDecision.LinkLocal)]
    [InlineData("64:ff9b::7f00:1", PeerDecision.Loopback)] // NAT64 well-known
    [InlineData("::ffff:127.0.0.1", PeerDecision.Loopback)] // CVE-2026-27624
    [InlineData("::ffff:169.254.169.254", PeerDecision.LinkLocal)]
    [InlineData("::127.0.0.1", PeerDecision.Loopback)]
    [InlineData("0.0.0.0", PeerDecision.Unspecified)] // CVE-2020-26262
    [InlineData("::", PeerDecision.Unspecified)] // CVE-2020-26262
    [InlineData("::ffff:0.0.0.0", PeerDecision.Unspecified)]
    [InlineData("2002::", PeerDecision.Unspecified)] // 6to4 around 0.0.0.0
    [InlineData("255.255.255.255", PeerDecision.Broadcast)]
    [InlineData("2001:0::", PeerDecision.Unspecified)] // Teredo with server 0.0.0.0 (client 255.255.255.255)
    // what stays reachable
    [InlineData("8.8.8.8", Ok)]
    [InlineData("10.0.0.1", Ok)] // RFC 1918: allowed by default, denied in etc/turnserver.conf
    [InlineData("172.16.0.1", Ok)]
    [InlineData("192.168.1.1", Ok)]
    [InlineData("100.64.0.1", Ok)]
    [InlineData("169.253.255.255", Ok)]
    [InlineData("169.255.0.0", Ok)]
    [InlineData("223.255.255.255", Ok)]
    [InlineData("2001:4860:4860::8888", Ok)]
    [InlineData("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Ok)] // just below fc00::/7
    [InlineData("fe00::1", Ok)] // between fc00::/7 and fe80::/10
    [InlineData("2002:808:808::1", Ok)] // 6to4 around 8.8.8.8
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", Ok)] // Teredo, client 192.0.2.45
    [InlineData("64:ff9b:1::808:808", Ok)] // NAT64 local-use around 8.8.8.8 (/96)
    [InlineData("64:ff9b:1:808:8:800::", Ok)] // NAT64 local-use around 8.8.8.8 (/48)
    [InlineData("64:ff9b::808:808", Ok)]
    public void Default_policy_refuses_the_issue_9_matrix(string peer, PeerDecision expected)
    {
        PeerAddressFilter f = Filter();
        Assert.Equal(expected, f.Check(A(peer)));
        Assert.Equal(expected == Ok, f.IsAllowed(A(peer)));
    }

    [Theory]
    [InlineData("169.254.169.254", "169.254.169.254", Ok)]
    [InlineData("169.254.169.254", "169.254.169.253", PeerDecision.LinkLocal)]
    [InlineData("169.254.0.0/16", "::ffff:169.254.1.1", Ok)]
    [InlineData("fc00::/7", "fd00::1", Ok)]
    [InlineData("fe80::/10", "fe80::1", Ok)]
    [InlineData("fec0::/10", "fec0::1", Ok)]
    [InlineData("224.0.0.0-239.255.255.255", "239.255.255.250", Ok)] // coturn 4.6.1's default, one line away
    [InlineData("240.0.0.0/4", "240.0.0.1", Ok)]
    [InlineData("ff00::/8", "ff02::1", Ok)]
    [InlineData("2002::/16", "2002:a9fe:a9fe::", PeerDecision.LinkLocal)] // an IPv6 allow never opens the IPv4 destination of a tunnel
    [InlineData("169.254.169.254", "2002:a9fe:a9fe::", Ok)] // the IPv4 allow does
    [InlineData("0.0.0.0/8", "0.0.0.1", PeerDecision.Unspecified)] // never
    [InlineData("::/0", "::", PeerDecision.Unspecified)]
    [InlineData("0.0.0.0/0", "255.255.255.255", PeerDecision.Broadcast)]
    [InlineData("127.0.0.1", "127.0.0.1", PeerDecision.Loopback)] // loopback: allow-loopback-peers only (coturn)
    [InlineData("::/0", "::ffff:169.254.169.254", PeerDecision.LinkLocal)] // IPv6 allow never opens an IPv4 destination
    [InlineData("::/0", "64:ff9b::a9fe:a9fe", PeerDecision.LinkLocal)]
    [InlineData("10.0.0.0/8", "169.254.169.254", PeerDecision.LinkLocal)]
    public void Allowed_peer_ip_opens_the_default_ranges(string allowed, string peer, PeerDecision expected)
        => Assert.Equal(expected, Filter(allowed).Check(A(peer)));

    [Theory]
    [InlineData("224.0.0.0-239.255.255.255", "239.255.255.250", PeerDecision.Multicast)]
    [InlineData("240.0.0.0/4", "240.0.0.1", PeerDecision.Reserved)]
    [InlineData("ff00::/8", "ff02::1", PeerDecision.Multicast)]
    [InlineData("169.254.0.0/16", "169.254.169.254", Ok)]
    public void No_multicast_peers_beats_allowed_peer_ip(string allowed, string peer, PeerDecision expected)
        => Assert.Equal(expected, Filter(allowed, noMulticast: true).Check(A(peer)));

    [Theory]
    [InlineData("127.0.0.1", Ok)]
    [InlineData("::1", Ok)]
    [InlineData("::ffff:127.0.0.1", Ok)]
    [InlineData("2002:7f00:1::", Ok)]
    [InlineData("64:ff9b:1::7f00:1", Ok)]
    [InlineData("2001:0:4136:e378:8000:63bf:80ff:fffe", Ok)]
    [InlineData("0.0.0.0", PeerDecision.Unspecified)]
    [InlineData("::", PeerDecision.Unspecified)]
    [InlineData("169.254.169.254", PeerDecision.LinkLocal)]
    [InlineData("fe80::1", PeerDecision.LinkLocal)]
    [InlineData("224.0.0.251", PeerDecision.Multicast)]
    public void Allow_loopback_peers_opens_loopback_only(string peer, PeerDecision expected)
        => Assert.Equal(expected, Filter(allowLoopback: true).Check(A(peer)));

    [Fact]
    public void Denied_ranges_still_apply_to_opened_loopback_and_tunnels()
    {
        PeerAddressFilter f = Filter(denied: "127.0.0.2;10.0.0.0/8", allowLoopback: true);
        Assert.Equal(Ok, f.Check(A("127.0.0.1")));
        Assert.Equal(PeerDecision.DeniedRange, f.Check(A("127.0.0.2")));
        Assert.Equal(PeerDecision.DeniedRange, f.Check(A("2002:a00:1::"))); // 6to4 around 10.0.0.1
        Assert.Equal(PeerDecision.DeniedRange, f.Check(A("64:ff9b:1::a00:1")));
        Assert.Equal(Ok, f.Check(A("2002:b00:1::")));
    }

    [Fact]
    public void Every_table_row_is_refused_at_both_ends_by_default_and_its_neighbours_are_not_by_it()
    {
        PeerAddressFilter f = Filter();
        foreach (DefaultDeniedRange row in DefaultDeniedRanges.All)
        {
            Assert.NotEqual(Ok, row.Reason);
            Assert.Equal(row.Reason, f.Check(row.Range.First.WithPort(1)));
            StunAddress last = row.Range.Last.WithPort(1);
            PeerDecision atLast = f.Check(last);
            Assert.True(atLast == row.Reason || (row.Notation == "240.0.0.0/4" && atLast == PeerDecision.Broadcast), row.Notation);
        }

        Assert.Equal(12, DefaultDeniedRanges.All.Count);
        Assert.Equal(6, DefaultDeniedRanges.EmbeddedForms.Count);
        Assert.All(DefaultDeniedRanges.EmbeddedForms, e => Assert.True(AddressRange.TryParse(e.Notation, out _), e.Notation));
        Assert.All(DefaultDeniedRanges.ReachableByDefault, e => Assert.Equal(Ok, f.Check(AddressRange.Parse(e.Notation).First.WithPort(1))));
    }

    [Fact]
    public void Local_addresses_are_refused_except_on_live_relay_ports()
    {
        var live = new LiveRelayPorts();
        live.Add(50000);
        var options = new PeerAddressFilterOptions
        {
            LocalAddresses = [A("203.0.113.7", 0), A("2001:db8::7", 0), A("127.0.0.1", 0), A("::ffff:198.51.100.9", 0)],
            LiveRelayPorts = live,
            AllowLoopbackPeers = true,
        };
        var f = new PeerAddressFilter(options);
        Assert.Equal(Ok, f.Check(A("203.0.113.7", 50000)));
        Assert.Equal(PeerDecision.LocalInterface, f.Check(A("203.0.113.7", 5432)));
        Assert.Equal(PeerDecision.LocalInterface, f.Check(A("::ffff:203.0.113.7", 22)));
        Assert.Equal(PeerDecision.LocalInterface, f.Check(A("2002:cb00:7107::", 22))); // 6to4 around it
        Assert.Equal(PeerDecision.LocalInterface, f.Check(A("198.51.100.9", 22))); // given IPv4-mapped
        Assert.Equal(Ok, f.Check(A("203.0.113.8", 22)));
        Assert.Equal(PeerDecision.LocalInterface, f.Check(A("2001:db8::7", 22)));
        Assert.Equal(Ok, f.Check(A("2001:db8::7", 50000)));
        Assert.Equal(Ok, f.Check(A("127.0.0.1", 22))); // loopback is the loopback rule's
        Assert.Equal(PeerDecision.LocalInterface, f.Check(A("203.0.113.7", 0)));

        live.Remove(50000);
        Assert.Equal(PeerDecision.LocalInterface, f.Check(A("203.0.113.7", 50000)));
        live.Remove(50000); // unbalanced: must not hide a later Add
        live.Add(50000);
        Assert.Equal(Ok, f.Check(A("203.0.113.7", 50000)));

        // allowed-peer-ip names them: allowed on every port.
        var g = new PeerAddressFilter(options with { Allowed = [AddressRange.Parse("203.0.113.0/24")] });
        Assert.Equal(Ok, g.Check(A("203.0.113.7", 5432)));
        Assert.Equal(PeerDecision.LocalInterface, new PeerAddressFilter(options with { LiveRelayPorts = null }).Check(A("203.0.113.7", 50000)));
    }

    [Fact]
    public void Database_endpoints_are_refused_whatever_the_ranges_say()
    {
        var f = new PeerAddressFilter(new PeerAddressFilterOptions
        {
            AllowLoopbackPeers = true,
            Allowed = [AddressRange.Parse("10.0.0.0/8"), AddressRange.Parse("::/0")],
            DatabaseEndpoints = [A("127.0.0.1", 5432), A("10.0.0.5", 6379), A("2001:db8::5", 3306)],
        });
        Assert.Equal(PeerDecision.DatabaseEndpoint, f.Check(A("127.0.0.1", 5432)));
        Assert.Equal(PeerDecision.DatabaseEndpoint, f.Check(A("::ffff:127.0.0.1", 5432)));
        Assert.Equal(Ok, f.Check(A("127.0.0.1", 5433)));
        Assert.Equal(PeerDecision.DatabaseEndpoint, f.Check(A("10.0.0.5", 6379)));
        Assert.Equal(PeerDecision.DatabaseEndpoint, f.Check(A("2002:a00:5::", 6379))); // 6to4 around it
        Assert.Equal(Ok, f.Check(A("10.0.0.5", 6380)));
        Assert.Equal(PeerDecision.DatabaseEndpoint, f.Check(A("2001:db8::5", 3306)));
        Assert.Equal(Ok, f.Check(A("2001:db8::5", 3307)));
    }

    [Fact]
    public void Deny_all_fails_closed()
    {
        var f = new PeerAddressFilter(new PeerAddressFilterOptions { DenyAll = true, Allowed = [AddressRange.Parse("0.0.0.0/0")] });
        Assert.Equal(PeerDecision.PolicyUnavailable, f.Check(A("8.8.8.8")));
        Assert.Equal(PeerDecision.PolicyUnavailable, f.Check(A("2001:4860:4860::8888")));
        Assert.Equal(PeerDecision.Invalid, f.Check(default));
        Assert.False(f.MayReach(AddressRange.Parse("10.0.0.0/8")));
    }

    [Fact]
    public void MayReach_tells_whether_private_ranges_are_open()
    {
        AddressRange ten = AddressRange.Parse("10.0.0.0/8");
        Assert.True(Filter().MayReach(ten));
        Assert.False(Filter(denied: "10.0.0.0/8").MayReach(ten));
        Assert.False(Filter(denied: "10.0.0.0/9;10.128.0.0/9").MayReach(ten)); // adjacent ranges merge
        Assert.True(Filter(denied: "10.0.0.0/9").MayReach(ten));
        Assert.True(Filter("10.1.2.3", "10.0.0.0/8").MayReach(ten));
        Assert.False(Filter(denied: "0.0.0.0/0").MayReach(AddressRange.Parse("100.64.0.0/10")));
    }

    /// <summary>coturn 4.16 fixed IPv6 deny ranges that under-blocked (a bad comparison): compare as 128-bit numbers.</summary>
    [Fact]
    public void IPv6_deny_ranges_compare_as_128_bit_numbers()
    {
        PeerAddressFilter f = Filter(denied: "2001:db8:0:1::-2001:db8:0:2::ffff");
        Assert.Equal(PeerDecision.DeniedRange, f.Check(A("2001:db8:0:1::")));
        Assert.Equal(PeerDecision.DeniedRange, f.Check(A("2001:db8:0:1:ffff:ffff:ffff:ffff"))); // low half above the bounds' low halves
        Assert.Equal(PeerDecision.DeniedRange, f.Check(A("2001:db8:0:2::1")));
        Assert.Equal(PeerDecision.DeniedRange, f.Check(A("2001:db8:0:2::ffff")));
        Assert.Equal(Ok, f.Check(A("2001:db8:0:2::1:0")));
        Assert.Equal(Ok, f.Check(A("2001:db8:0:0:ffff:ffff:ffff:ffff")));
        Assert.Equal(Ok, f.Check(A("2001:db8:0:3::")));

        var rng = new Random(9);
        Span<byte> b = stackalloc byte[16];
        for (int i = 0; i < 2000; i++)
        {
            rng.NextBytes(b);
            b[0] = 0x20; // stay clear of the default table and the tunnel prefixes
            b[1] = 0x0f;
            var lo = new BigInteger(b, isUnsigned: true, isBigEndian: true);
            rng.NextBytes(b);
            b[0] = 0x20;
            b[1] = 0x0f;
            var hi = new BigInteger(b, isUnsigned: true, isBigEndian: true);
            if (hi < lo)
            {
                (lo, hi) = (hi, lo);
            }

            PeerAddressFilter g = Filter(denied: $"{V6(lo)}-{V6(hi)}");
            foreach (BigInteger probe in new[] { lo, hi, lo - 1, hi + 1, (lo + hi) / 2, lo ^ 0xFFFF_FFFF, hi ^ (BigInteger.One << 70) })
            {
                bool inside = probe >= lo && probe <= hi;
                Assert.Equal(inside ? PeerDecision.DeniedRange : Ok, g.Check(A(V6(probe))));
            }
        }
    }

    [Fact]
    public void Checks_with_the_new_rules_allocate_nothing()
    {
        var live = new LiveRelayPorts();
        live.Add(50000);
        var f = new PeerAddressFilter(PeerAddressFilterOptions.FromStrings(false, false, ["10.0.0.5"], PeerAddressFilterOptions.RecommendedDeniedPeerIps) with
        {
            LocalAddresses = [A("203.0.113.7", 0), A("2001:db8::7", 0)],
            LiveRelayPorts = live,
            DatabaseEndpoints = [A("10.0.0.9", 5432)],
        });
        StunAddress[] peers =
        [
            A("169.254.169.254"), A("fe80::1"), A("fc00::1"), A("224.0.0.251"), A("240.0.0.1"), A("ff02::1"), A("2002:7f00:1::"),
            A("2001:0:4136:e378:8000:63bf:80ff:fffe"), A("64:ff9b:1::7f00:1"), A("64:ff9b::7f00:1"), A("::ffff:127.0.0.1"),
            A("203.0.113.7", 50000), A("203.0.113.7", 22), A("2001:db8::7", 22), A("10.0.0.9", 5432), A("8.8.8.8"),
        ];
        int allowed = 0;
        foreach (StunAddress p in peers)
        {
            allowed += f.IsAllowed(p) ? 1 : 0;
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            allowed += f.Check(peers[i % peers.Length]) == Ok ? 1 : 0;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(allowed > 0);
    }

    private static string V6(BigInteger value)
    {
        byte[] bytes = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        var full = new byte[16];
        bytes.AsSpan(Math.Max(0, bytes.Length - 16)).CopyTo(full.AsSpan(16 - Math.Min(16, bytes.Length)));
        return new System.Net.IPAddress(full).ToString();
    }
}
