using Turn.Protocol;
using static Turn.Security.Tests.TestAddresses;

namespace Turn.Security.Tests;

public class PeerAddressFilterTests
{
    private const PeerDecision Ok = PeerDecision.Allowed;
    private const PeerDecision Unspec = PeerDecision.Unspecified;
    private const PeerDecision Loop = PeerDecision.Loopback;
    private const PeerDecision Multi = PeerDecision.Multicast;
    private const PeerDecision Bcast = PeerDecision.Broadcast;
    private const PeerDecision Resv = PeerDecision.Reserved;
    private const PeerDecision Deny = PeerDecision.DeniedRange;

    [Theory]
    // "this network" 0.0.0.0/8 and :: — always, in every spelling
    [InlineData("0.0.0.0", Unspec)]
    [InlineData("0.1.2.3", Unspec)]
    [InlineData("0.255.255.255", Unspec)]
    [InlineData("1.0.0.0", Ok)]
    [InlineData("::", Unspec)]
    [InlineData("::ffff:0.0.0.0", Unspec)]
    [InlineData("::ffff:0.1.2.3", Unspec)]
    [InlineData("64:ff9b::", Unspec)]
    [InlineData("::2", Unspec)] // compatible ::0.0.0.2
    // loopback in every spelling
    [InlineData("127.0.0.1", Loop)]
    [InlineData("127.0.0.0", Loop)]
    [InlineData("127.255.255.254", Loop)]
    [InlineData("127.255.255.255", Loop)]
    [InlineData("126.255.255.255", Ok)]
    [InlineData("128.0.0.0", Ok)]
    [InlineData("::1", Loop)]
    [InlineData("::ffff:127.0.0.1", Loop)]
    [InlineData("::ffff:127.255.255.254", Loop)]
    [InlineData("::127.0.0.1", Loop)]
    [InlineData("64:ff9b::7f00:1", Loop)]
    [InlineData("64:ff9b::7f12:3456", Loop)]
    // limited broadcast — always
    [InlineData("255.255.255.255", Bcast)]
    [InlineData("::ffff:255.255.255.255", Bcast)]
    [InlineData("64:ff9b::ffff:ffff", Bcast)]
    [InlineData("255.255.255.254", Resv)]
    // multicast / class E are refused by default now (coturn 4.6.1 relayed them unless no-multicast-peers)
    [InlineData("224.0.0.1", Multi)]
    [InlineData("239.255.255.255", Multi)]
    [InlineData("240.0.0.1", Resv)]
    [InlineData("ff02::1", Multi)]
    [InlineData("::ffff:224.0.0.1", Multi)]
    // ordinary unicast
    [InlineData("8.8.8.8", Ok)]
    [InlineData("10.0.0.1", Ok)]
    [InlineData("::ffff:8.8.8.8", Ok)]
    [InlineData("64:ff9b::808:808", Ok)]
    [InlineData("2001:4860:4860::8888", Ok)]
    [InlineData("::3", Unspec)]
    [InlineData("::1:0:0", Ok)]
    public void Default_filter(string peer, PeerDecision expected)
    {
        PeerAddressFilter f = Filter();
        Assert.Equal(expected, f.Check(A(peer)));
        Assert.Equal(expected == Ok, f.IsAllowed(A(peer)));
    }

    [Theory]
    [InlineData("224.0.0.0", Multi)]
    [InlineData("224.0.0.1", Multi)]
    [InlineData("239.255.255.255", Multi)]
    [InlineData("223.255.255.255", Ok)]
    [InlineData("240.0.0.0", Resv)]
    [InlineData("255.255.255.254", Resv)]
    [InlineData("255.255.255.255", Bcast)]
    [InlineData("::ffff:224.0.0.1", Multi)]
    [InlineData("64:ff9b::e000:1", Multi)]
    [InlineData("::224.0.0.1", Multi)]
    [InlineData("ff00::", Multi)]
    [InlineData("ff02::1", Multi)]
    [InlineData("ff0e::1", Multi)]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Multi)]
    [InlineData("fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Ok)]
    [InlineData("8.8.8.8", Ok)]
    [InlineData("127.0.0.1", Loop)]
    public void No_multicast_peers(string peer, PeerDecision expected)
        => Assert.Equal(expected, Filter(noMulticast: true).Check(A(peer)));

    [Theory]
    [InlineData("127.0.0.1", Ok)]
    [InlineData("127.255.255.255", Ok)]
    [InlineData("::1", Ok)]
    [InlineData("::ffff:127.0.0.1", Ok)]
    [InlineData("::127.0.0.1", Ok)]
    [InlineData("64:ff9b::7f00:1", Ok)]
    [InlineData("0.0.0.0", Unspec)] // allow-loopback does not open "this network"
    [InlineData("0.0.0.1", Unspec)]
    [InlineData("::", Unspec)]
    [InlineData("255.255.255.255", Bcast)]
    public void Allow_loopback_peers(string peer, PeerDecision expected)
        => Assert.Equal(expected, Filter(allowLoopback: true).Check(A(peer)));

    [Theory]
    // allow rules never override the always-denied addresses
    [InlineData("127.0.0.1", "", false, false, "127.0.0.1", Loop)]
    [InlineData("::1", "", false, false, "::1", Loop)]
    [InlineData("0.0.0.0/0", "", false, false, "::ffff:127.0.0.1", Loop)]
    [InlineData("0.0.0.0/8", "", true, false, "0.1.2.3", Unspec)]
    [InlineData("::/0", "", true, false, "::", Unspec)]
    [InlineData("0.0.0.0/0", "", true, false, "255.255.255.255", Bcast)]
    [InlineData("224.0.0.0/4", "", false, true, "224.0.0.1", Multi)]
    [InlineData("ff00::/8", "", false, true, "ff02::1", Multi)]
    // allow-loopback only lifts the fixed rule; denied ranges still apply
    [InlineData("", "127.0.0.0/8", true, false, "127.0.0.1", Deny)]
    [InlineData("", "::1", true, false, "::1", Deny)]
    [InlineData("127.0.0.1", "127.0.0.0/8", true, false, "127.0.0.1", Ok)]
    [InlineData("127.0.0.1", "127.0.0.0/8", true, false, "127.0.0.2", Deny)]
    // multicast peers are refused by default; an allowed range opens them unless no-multicast-peers
    [InlineData("", "224.0.0.0/4", false, false, "239.1.1.1", Multi)]
    [InlineData("224.0.0.0/4", "", false, false, "239.1.1.1", Ok)]
    [InlineData("224.0.0.0-239.255.255.255", "239.0.0.0/8", false, false, "239.1.1.1", Ok)]
    [InlineData("ff00::/8", "", false, false, "ff02::1", Ok)]
    public void Fixed_rules_and_ranges(string allowed, string denied, bool allowLoopback, bool noMulticast, string peer, PeerDecision expected)
        => Assert.Equal(expected, Filter(allowed, denied, allowLoopback, noMulticast).Check(A(peer)));

    [Theory]
    // denied 10.0.0.0-10.255.255.255: boundaries and every spelling
    [InlineData("", "10.0.0.0-10.255.255.255", "10.0.0.0", Deny)]
    [InlineData("", "10.0.0.0-10.255.255.255", "10.255.255.255", Deny)]
    [InlineData("", "10.0.0.0-10.255.255.255", "10.1.2.3", Deny)]
    [InlineData("", "10.0.0.0-10.255.255.255", "9.255.255.255", Ok)]
    [InlineData("", "10.0.0.0-10.255.255.255", "11.0.0.0", Ok)]
    [InlineData("", "10.0.0.0-10.255.255.255", "::ffff:10.0.0.0", Deny)]
    [InlineData("", "10.0.0.0-10.255.255.255", "::ffff:10.1.2.3", Deny)]
    [InlineData("", "10.0.0.0-10.255.255.255", "::ffff:10.255.255.255", Deny)]
    [InlineData("", "10.0.0.0-10.255.255.255", "::ffff:11.0.0.0", Ok)]
    [InlineData("", "10.0.0.0-10.255.255.255", "::ffff:9.255.255.255", Ok)]
    [InlineData("", "10.0.0.0-10.255.255.255", "::10.1.2.3", Deny)]
    [InlineData("", "10.0.0.0-10.255.255.255", "64:ff9b::a01:203", Deny)]
    [InlineData("", "10.0.0.0-10.255.255.255", "64:ff9b::b00:0", Ok)]
    [InlineData("", "10.0.0.0-10.255.255.255", "2001:db8::a01:203", Ok)]
    // CIDR forms, incl. non-aligned (masked), /32, /0
    [InlineData("", "10.0.0.0/8", "10.200.0.1", Deny)]
    [InlineData("", "10.1.2.3/8", "10.0.0.0", Deny)]
    [InlineData("", "10.1.2.3/8", "10.255.255.255", Deny)]
    [InlineData("", "10.1.2.3/8", "11.0.0.0", Ok)]
    [InlineData("", "192.168.1.128/25", "192.168.1.127", Ok)]
    [InlineData("", "192.168.1.128/25", "192.168.1.128", Deny)]
    [InlineData("", "192.168.1.128/25", "192.168.1.255", Deny)]
    [InlineData("", "192.168.1.128/25", "192.168.2.0", Ok)]
    [InlineData("", "1.2.3.4/32", "1.2.3.4", Deny)]
    [InlineData("", "1.2.3.4/32", "1.2.3.5", Ok)]
    [InlineData("", "1.2.3.4/32", "1.2.3.3", Ok)]
    [InlineData("", "1.2.3.4", "1.2.3.4", Deny)]
    [InlineData("", "0.0.0.0/0", "8.8.8.8", Deny)]
    [InlineData("", "0.0.0.0/0", "::ffff:8.8.8.8", Deny)]
    [InlineData("", "0.0.0.0/0", "2001:db8::1", Ok)] // IPv4 ranges do not match IPv6 peers
    // IPv6 single / range / CIDR
    [InlineData("", "2001:db8::/32", "2001:db8::", Deny)]
    [InlineData("", "2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", Deny)]
    [InlineData("", "2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", Ok)]
    [InlineData("", "2001:db8::/32", "2001:db9::", Ok)]
    [InlineData("", "2001:db8::1-2001:db8::ff", "2001:db8::1", Deny)]
    [InlineData("", "2001:db8::1-2001:db8::ff", "2001:db8::ff", Deny)]
    [InlineData("", "2001:db8::1-2001:db8::ff", "2001:db8::", Ok)]
    [InlineData("", "2001:db8::1-2001:db8::ff", "2001:db8::100", Ok)]
    [InlineData("", "2001:db8::5/128", "2001:db8::5", Deny)]
    [InlineData("", "2001:db8::5/128", "2001:db8::6", Ok)]
    [InlineData("", "2001:db8::5", "2001:db8::5", Deny)]
    [InlineData("", "::/0", "2001:db8::1", Deny)]
    [InlineData("", "::/0", "8.8.8.8", Ok)] // IPv6 ranges do not match IPv4 peers
    [InlineData("", "fe80::/10", "fe80::1", PeerDecision.LinkLocal)] // the default table decides first
    [InlineData("", "fe80::/10", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PeerDecision.LinkLocal)]
    [InlineData("", "fe80::/10", "fec0::", PeerDecision.SiteLocal)]
    [InlineData("", "2001:db8:8000::/33", "2001:db8:8000::", Deny)]
    [InlineData("", "2001:db8:8000::/33", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", Deny)]
    [InlineData("", "2001:db8:8000::/33", "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff", Ok)]
    // deny rules also see the IPv6 spelling as written (stricter only)
    [InlineData("", "::/0", "::ffff:8.8.8.8", Deny)]
    [InlineData("", "64:ff9b::/96", "64:ff9b::808:808", Deny)]
    [InlineData("", "64:ff9b::/96", "8.8.8.8", Ok)]
    [InlineData("", "::ffff:0.0.0.0-::ffff:255.255.255.255", "::ffff:8.8.8.8", Deny)]
    [InlineData("", "::ffff:0.0.0.0-::ffff:255.255.255.255", "8.8.8.8", Ok)] // coturn hardening line must not deny all IPv4
    [InlineData("", "::ffff:0.0.0.0-::ffff:255.255.255.255", "2001:db8::1", Ok)]
    [InlineData("", "::ffff:10.0.0.0/104", "::ffff:10.0.0.1", Deny)]
    [InlineData("", "::ffff:10.0.0.0/104", "10.0.0.1", Ok)] // as in coturn
    // allow beats deny
    [InlineData("10.0.0.5", "10.0.0.0/8", "10.0.0.5", Ok)]
    [InlineData("10.0.0.5", "10.0.0.0/8", "10.0.0.4", Deny)]
    [InlineData("10.0.0.5", "10.0.0.0/8", "10.0.0.6", Deny)]
    [InlineData("10.0.0.5", "10.0.0.0/8", "::ffff:10.0.0.5", Ok)]
    [InlineData("10.0.0.5", "10.0.0.0/8", "64:ff9b::a00:5", Ok)]
    [InlineData("10.0.0.0/24", "10.0.0.0/8", "10.0.0.255", Ok)]
    [InlineData("10.0.0.0/24", "10.0.0.0/8", "10.0.1.0", Deny)]
    [InlineData("10.0.0.0/8", "10.0.0.0/8", "10.9.9.9", Ok)]
    [InlineData("2001:db8::80", "2001:db8::1-2001:db8::ff", "2001:db8::80", Ok)]
    [InlineData("2001:db8::80", "2001:db8::1-2001:db8::ff", "2001:db8::7f", Deny)]
    [InlineData("2001:db8::80", "2001:db8::1-2001:db8::ff", "2001:db8::81", Deny)]
    [InlineData("8.8.8.8", "", "8.8.8.8", Ok)] // allow list alone is not a whitelist (coturn)
    [InlineData("8.8.8.8", "", "9.9.9.9", Ok)]
    // an IPv6 allow rule never opens an IPv4 destination
    [InlineData("::/0", "10.0.0.0/8", "::ffff:10.0.0.1", Deny)]
    [InlineData("::/0", "10.0.0.0/8", "::10.0.0.1", Deny)]
    [InlineData("::/0", "10.0.0.0/8", "64:ff9b::a00:1", Deny)]
    [InlineData("::/0", "10.0.0.0/8", "2001:db8::1", Ok)]
    [InlineData("64:ff9b::/96", "10.0.0.0/8", "64:ff9b::a00:1", Deny)]
    [InlineData("::ffff:0:0/95", "10.0.0.0/8", "::ffff:10.0.0.1", Deny)]
    // an allow rule written IPv4-mapped is the IPv4 rule it maps
    [InlineData("::ffff:10.0.0.5", "10.0.0.0/8", "10.0.0.5", Ok)]
    [InlineData("::ffff:10.0.0.5", "10.0.0.0/8", "::ffff:10.0.0.5", Ok)]
    [InlineData("::ffff:10.0.0.5", "10.0.0.0/8", "10.0.0.6", Deny)]
    [InlineData("::ffff:10.0.0.0/120", "10.0.0.0/8", "10.0.0.255", Ok)]
    [InlineData("::ffff:10.0.0.0/120", "10.0.0.0/8", "10.0.1.0", Deny)]
    public void Ranges(string allowed, string denied, string peer, PeerDecision expected)
    {
        PeerAddressFilter f = Filter(allowed, denied);
        Assert.Equal(expected, f.Check(A(peer)));
        Assert.Equal(expected == Ok, f.IsAllowed(A(peer)));
    }

    [Fact]
    public void Overlapping_and_adjacent_ranges_are_merged_correctly()
    {
        PeerAddressFilter f = Filter(denied: "10.0.0.5-10.0.0.20;10.0.0.0-10.0.0.10;10.0.0.21-10.0.0.30;10.0.1.0/24;10.0.0.3;0.0.0.0/0;1.0.0.0-1.0.0.9");
        PeerAddressFilter g = Filter(denied: "10.0.0.5-10.0.0.20;10.0.0.0-10.0.0.10;10.0.0.21-10.0.0.30;10.0.1.0/24;10.0.0.3");
        for (uint i = 0; i <= 0x1FF; i++)
        {
            StunAddress a = StunAddress.FromIPv4(0x0A000000u + i, 1);
            bool denied = i <= 30 || (i >= 0x100 && i <= 0x1FF);
            Assert.Equal(denied ? Deny : Ok, g.Check(a));
            Assert.Equal(Deny, f.Check(a));
        }

        Assert.Equal(Ok, g.Check(A("9.255.255.255")));
        Assert.Equal(Ok, g.Check(A("10.0.2.0")));
    }

    [Fact]
    public void Matches_a_naive_model_on_random_rules()
    {
        var rng = new Random(20240613);
        for (int round = 0; round < 200; round++)
        {
            var allowed = new List<AddressRange>();
            var denied = new List<AddressRange>();
            for (int i = rng.Next(0, 6); i > 0; i--)
            {
                allowed.Add(RandomRange(rng));
            }

            for (int i = rng.Next(0, 8); i > 0; i--)
            {
                denied.Add(RandomRange(rng));
            }

            bool loop = rng.Next(2) == 0;
            bool multi = rng.Next(2) == 0;
            var options = new PeerAddressFilterOptions { AllowLoopbackPeers = loop, NoMulticastPeers = multi, Allowed = allowed, Denied = denied };
            var filter = new PeerAddressFilter(options);
            for (int j = 0; j < 200; j++)
            {
                StunAddress peer = RandomPeer(rng);
                Assert.Equal(Naive(options, peer), filter.Check(peer));
            }
        }
    }

    [Fact]
    public void Port_is_irrelevant()
    {
        PeerAddressFilter f = Filter(allowed: "10.0.0.5", denied: "10.0.0.0/8");
        foreach (ushort port in new ushort[] { 0, 1, 3478, 65535 })
        {
            Assert.Equal(Deny, f.Check(A("10.0.0.1", port)));
            Assert.Equal(Ok, f.Check(A("10.0.0.5", port)));
            Assert.Equal(Ok, f.Check(A("8.8.8.8", port)));
            Assert.Equal(Loop, f.Check(A("127.0.0.1", port)));
        }
    }

    [Fact]
    public void Empty_address_is_invalid()
    {
        Assert.Equal(PeerDecision.Invalid, Filter().Check(default));
        Assert.False(Filter().IsAllowed(default));
        Assert.Equal(PeerDecision.Invalid, default(PeerDecision));
    }

    [Fact]
    public void Recommended_hardening_list_parses_and_keeps_public_peers()
    {
        var options = PeerAddressFilterOptions.FromStrings(false, true, [], PeerAddressFilterOptions.RecommendedDeniedPeerIps);
        Assert.Equal(PeerAddressFilterOptions.RecommendedDeniedPeerIps.Count, options.Denied.Count);
        var f = new PeerAddressFilter(options);
        foreach (string ok in new[] { "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2001:4860:4860::8888", "2606:4700::1111" })
        {
            Assert.Equal(Ok, f.Check(A(ok)));
        }

        foreach (string bad in new[]
        {
            "10.1.1.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1", "169.254.169.254", "198.18.0.1",
            "::ffff:8.8.8.8", "::ffff:10.0.0.1", "64:ff9b::808:808", "fe80::1", "fd00::1", "fc00::1", "2002:a00:1::1", "2001::1",
        })
        {
            Assert.NotEqual(Ok, f.Check(A(bad))); // DeniedRange, or the default table's reason for link-local and ULA
        }
    }

    [Fact]
    public void Options_snapshot_is_taken_at_construction()
    {
        var denied = new List<AddressRange> { AddressRange.Parse("10.0.0.0/8") };
        var f = new PeerAddressFilter(new PeerAddressFilterOptions { Denied = denied });
        denied.Clear();
        Assert.Equal(Deny, f.Check(A("10.0.0.1")));
    }

    [Fact]
    public void Default_range_in_options_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new PeerAddressFilter(new PeerAddressFilterOptions { Denied = [default] }));
        Assert.Throws<ArgumentException>(() => new PeerAddressFilter(new PeerAddressFilterOptions { Allowed = [default] }));
        Assert.Throws<ArgumentNullException>(() => new PeerAddressFilter(null!));
    }

    [Fact]
    public void FromStrings_parses_lists_and_names_the_bad_string()
    {
        PeerAddressFilterOptions o = PeerAddressFilterOptions.FromStrings(true, true, ["10.0.0.5", " ::1 "], ["10.0.0.0/8", "2001:db8::1-2001:db8::ff"]);
        Assert.True(o.AllowLoopbackPeers);
        Assert.True(o.NoMulticastPeers);
        Assert.Equal([AddressRange.Parse("10.0.0.5"), AddressRange.Parse("::1")], o.Allowed);
        Assert.Equal([AddressRange.Parse("10.0.0.0/8"), AddressRange.Parse("2001:db8::1-2001:db8::ff")], o.Denied);

        PeerAddressFilterOptions none = PeerAddressFilterOptions.FromStrings(false, false, null, null);
        Assert.Empty(none.Allowed);
        Assert.Empty(none.Denied);
        Assert.False(none.AllowLoopbackPeers);

        ArgumentException e1 = Assert.Throws<ArgumentException>(() => PeerAddressFilterOptions.FromStrings(false, false, ["10.0.0.1", "10.0.0.300"], []));
        Assert.Contains("'10.0.0.300'", e1.Message, StringComparison.Ordinal);
        Assert.Contains("allowed-peer-ip", e1.Message, StringComparison.Ordinal);
        Assert.Equal("allowed", e1.ParamName);

        ArgumentException e2 = Assert.Throws<ArgumentException>(() => PeerAddressFilterOptions.FromStrings(false, false, [], ["10.0.0.9-10.0.0.1"]));
        Assert.Contains("'10.0.0.9-10.0.0.1'", e2.Message, StringComparison.Ordinal);
        Assert.Contains("denied-peer-ip", e2.Message, StringComparison.Ordinal);
        Assert.Equal("denied", e2.ParamName);

        Assert.Throws<ArgumentException>(() => PeerAddressFilterOptions.FromStrings(false, false, [], [""]));
        Assert.Throws<ArgumentException>(() => PeerAddressFilterOptions.FromStrings(false, false, [], [null!]));
    }

    [Fact]
    public void IsAllowed_and_Check_allocate_nothing()
    {
        PeerAddressFilter f = new(PeerAddressFilterOptions.FromStrings(false, true, ["10.0.0.5", "2001:db8::80"], PeerAddressFilterOptions.RecommendedDeniedPeerIps));
        StunAddress[] peers =
        [
            A("8.8.8.8"), A("10.0.0.1"), A("10.0.0.5"), A("127.0.0.1"), A("0.0.0.0"), A("255.255.255.255"), A("224.0.0.1"),
            A("::ffff:10.0.0.1"), A("::ffff:8.8.8.8"), A("64:ff9b::7f00:1"), A("64:ff9b::808:808"), A("::10.0.0.1"),
            A("::"), A("::1"), A("ff02::1"), A("2001:db8::80"), A("2001:4860:4860::8888"), A("fe80::1"), default,
        ];

        int allowed = 0;
        for (int i = 0; i < 1000; i++)
        {
            allowed += f.IsAllowed(peers[i % peers.Length]) ? 1 : 0;
        }

        allowed = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            allowed += f.IsAllowed(peers[i % peers.Length]) ? 1 : 0;
            allowed += f.Check(peers[i % peers.Length]) == Ok ? 1 : 0;
        }

        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, after - before);
        Assert.True(allowed > 0);
    }

    // ---- naive model: linear scan over the options, straight from the documented rules ----

    private static PeerDecision Naive(PeerAddressFilterOptions o, StunAddress peer)
    {
        if (peer.IsEmpty)
        {
            return PeerDecision.Invalid;
        }

        StunAddress c = PeerAddress.Canonicalize(peer);
        PeerDecision d = NaiveOne(o, c, peer);
        if (d != Ok || c.IsIPv4)
        {
            return d;
        }

        // 6to4 / Teredo / NAT64 local-use: then every IPv4 address it leads to.
        int n = PeerAddress.GetTunnelledIPv4(c, out uint first, out uint second);
        foreach (uint v4 in new[] { first, second }.Take(n))
        {
            StunAddress inner = StunAddress.FromIPv4(v4, peer.Port);
            d = NaiveOne(o, inner, inner);
            if (d != Ok)
            {
                return d;
            }
        }

        return Ok;
    }

    /// <summary>The documented rules, straight from <see cref="DefaultDeniedRanges"/> by linear search.</summary>
    private static PeerDecision NaiveOne(PeerAddressFilterOptions o, StunAddress c, StunAddress asWritten)
    {
        bool allowed = o.Allowed.Any(r => r.Unmapped().Contains(c));
        DefaultDeniedRange? row = DefaultDeniedRanges.All.FirstOrDefault(r => r.Range.Contains(c));
        if (row is not null)
        {
            bool opens = row.OpenedBy switch
            {
                DeniedRangeOpener.AllowLoopbackPeers => o.AllowLoopbackPeers,
                DeniedRangeOpener.AllowedPeerIp => allowed,
                DeniedRangeOpener.AllowedPeerIpUnlessNoMulticastPeers => allowed && !o.NoMulticastPeers,
                _ => false,
            };
            if (!opens)
            {
                return row.Reason;
            }
        }

        if (allowed)
        {
            return Ok;
        }

        return o.Denied.Any(r => r.Contains(asWritten)) ? Deny : Ok;
    }

    private static readonly string[] Interesting =
    [
        "0.0.0.0", "0.0.0.1", "1.0.0.0", "10.0.0.0", "10.0.0.1", "10.255.255.255", "11.0.0.0", "127.0.0.1", "127.255.255.255",
        "128.0.0.0", "192.168.0.1", "224.0.0.1", "239.255.255.255", "240.0.0.0", "255.255.255.254", "255.255.255.255", "8.8.8.8",
    ];

    private static uint RandomV4(Random rng)
        => rng.Next(3) == 0
            ? (uint)rng.NextInt64(0, 1L << 32)
            : A(Interesting[rng.Next(Interesting.Length)]).IPv4Value + (uint)rng.Next(-2, 3);

    private static StunAddress RandomPeer(Random rng)
    {
        uint v4 = RandomV4(rng);
        Span<byte> b = stackalloc byte[16];
        b.Clear();
        switch (rng.Next(8))
        {
            case 0:
            case 1:
            case 2:
                return StunAddress.FromIPv4(v4, (ushort)rng.Next(65536));
            case 3: // mapped
                b[10] = 0xFF;
                b[11] = 0xFF;
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(b.Slice(12), v4);
                break;
            case 4: // NAT64 or compatible
                if (rng.Next(2) == 0)
                {
                    b[1] = 0x64;
                    b[2] = 0xFF;
                    b[3] = 0x9B;
                }

                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(b.Slice(12), v4);
                break;
            case 5: // 2001:db8::/120-ish, :: and ::1, ff02::x
                string[] some = ["2001:db8::", "2001:db8::1", "2001:db8::80", "2001:db8::ff", "::", "::1", "ff02::1", "fe80::1", "64:ff9b::1:0:0",
                    "2002:7f00:1::", "2002:808:808::1", "2001:0:4136:e378:8000:63bf:80ff:fffe", "2001:0:808:808::", "64:ff9b:1::7f00:1", "64:ff9b:1:808:8:800::", "fc00::1", "fec0::1"];
                A(some[rng.Next(some.Length)]).WriteAddressBytes(b);
                b[15] ^= (byte)rng.Next(0, 3);
                break;
            default:
                rng.NextBytes(b);
                break;
        }

        return new StunAddress(b, (ushort)rng.Next(65536));
    }

    private static AddressRange RandomRange(Random rng)
    {
        switch (rng.Next(6))
        {
            case 0:
            case 1:
            case 2:
            {
                uint a = RandomV4(rng);
                uint b = rng.Next(2) == 0 ? a + (uint)rng.Next(0, 300) : RandomV4(rng);
                if (b < a)
                {
                    (a, b) = (b, a);
                }

                return new AddressRange(StunAddress.FromIPv4(a, 0), StunAddress.FromIPv4(b, 0));
            }

            case 3:
                string[] mapped = ["::ffff:10.0.0.0/104", "::ffff:0:0/96", "::ffff:8.8.8.8", "::ffff:127.0.0.0/104", "::ffff:10.0.0.1-::ffff:10.0.0.9"];
                return AddressRange.Parse(mapped[rng.Next(mapped.Length)]);
            case 4:
                string[] embedded = ["64:ff9b::/96", "64:ff9b::a00:0/104", "::/96", "::/0", "::a00:0/104", "::ffff:0:0/95"];
                return AddressRange.Parse(embedded[rng.Next(embedded.Length)]);
            default:
                string[] v6 = ["2001:db8::/120", "2001:db8::80", "2001:db8::1-2001:db8::7f", "ff00::/8", "fe80::/10", "::1", "::", "::/1", "8000::/1", "2002::/16", "2001::/32", "fc00::/7"];
                return AddressRange.Parse(v6[rng.Next(v6.Length)]);
        }
    }
}
