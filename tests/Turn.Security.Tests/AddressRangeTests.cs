using System.Net.Sockets;
using Turn.Protocol;
using static Turn.Security.Tests.TestAddresses;

namespace Turn.Security.Tests;

public class AddressRangeTests
{
    [Theory]
    // IPv4 single / range / CIDR, whitespace
    [InlineData("1.2.3.4", "1.2.3.4", "1.2.3.4")]
    [InlineData("  1.2.3.4\t", "1.2.3.4", "1.2.3.4")]
    [InlineData("1.2.3.4-1.2.3.255", "1.2.3.4", "1.2.3.255")]
    [InlineData(" 1.2.3.4 - 1.2.3.255 ", "1.2.3.4", "1.2.3.255")]
    [InlineData("1.2.3.4-1.2.3.4", "1.2.3.4", "1.2.3.4")]
    [InlineData("10.0.0.0/8", "10.0.0.0", "10.255.255.255")]
    [InlineData("10.0.0.0 / 8", "10.0.0.0", "10.255.255.255")]
    [InlineData("10.1.2.3/8", "10.0.0.0", "10.255.255.255")] // non-aligned: masked
    [InlineData("192.168.1.129/25", "192.168.1.128", "192.168.1.255")]
    [InlineData("172.16.0.0/12", "172.16.0.0", "172.31.255.255")]
    [InlineData("0.0.0.0/0", "0.0.0.0", "255.255.255.255")]
    [InlineData("9.9.9.9/0", "0.0.0.0", "255.255.255.255")]
    [InlineData("1.2.3.4/32", "1.2.3.4", "1.2.3.4")]
    [InlineData("1.2.3.4/31", "1.2.3.4", "1.2.3.5")]
    [InlineData("0.0.0.0", "0.0.0.0", "0.0.0.0")]
    [InlineData("255.255.255.255", "255.255.255.255", "255.255.255.255")]
    // IPv6
    [InlineData("::1", "::1", "::1")]
    [InlineData("::", "::", "::")]
    [InlineData("2001:db8::/32", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("2001:DB8::/32", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("2001:db8::1-2001:db8::ff", "2001:db8::1", "2001:db8::ff")]
    [InlineData("2001:db8::1 -  2001:db8::ff", "2001:db8::1", "2001:db8::ff")]
    [InlineData("2001:db8::abcd/120", "2001:db8::ab00", "2001:db8::abff")]
    [InlineData("2001:db8::1/128", "2001:db8::1", "2001:db8::1")]
    [InlineData("::/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("ffff::1/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("64:ff9b::/96", "64:ff9b::", "64:ff9b::ffff:ffff")]
    [InlineData("fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8")]
    public void TryParse_accepts_every_form(string text, string first, string last)
    {
        Assert.True(AddressRange.TryParse(text, out AddressRange r), text);
        Assert.Equal(first, Text(r.First));
        Assert.Equal(last, Text(r.Last));
        Assert.Equal(first.Contains(':', StringComparison.Ordinal) ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, r.Family);
        Assert.Equal(r, AddressRange.Parse(text));
    }

    [Theory]
    [InlineData("::ffff:10.0.0.0/104", "10.0.0.0", "10.255.255.255")]
    [InlineData("::ffff:10.0.0.1", "10.0.0.1", "10.0.0.1")]
    [InlineData("::ffff:0.0.0.0-::ffff:255.255.255.255", "0.0.0.0", "255.255.255.255")]
    [InlineData("::ffff:0:0/96", "0.0.0.0", "255.255.255.255")]
    [InlineData("::ffff:1.2.3.4-::ffff:1.2.3.9", "1.2.3.4", "1.2.3.9")]
    public void Mapped_ranges_are_kept_as_written_and_unmap_to_IPv4(string text, string first, string last)
    {
        AddressRange r = AddressRange.Parse(text);
        Assert.True(r.IsIPv6);
        Assert.True(r.IsIPv4Mapped);
        Assert.True(r.First.IsIPv4MappedToIPv6);

        AddressRange v4 = r.Unmapped();
        Assert.True(v4.IsIPv4);
        Assert.False(v4.IsIPv4Mapped);
        Assert.Equal(first, Text(v4.First));
        Assert.Equal(last, Text(v4.Last));
    }

    [Theory]
    [InlineData("::ffff:0:0/95")] // mapped block plus the 2^32 addresses below it
    [InlineData("::/0")]
    [InlineData("::fffe:ffff:ffff-::ffff:1.2.3.4")]
    [InlineData("64:ff9b::/96")]
    [InlineData("10.0.0.0/8")]
    public void Ranges_not_wholly_mapped_are_not_unmapped(string text)
    {
        AddressRange r = AddressRange.Parse(text);
        Assert.False(r.IsIPv4Mapped);
        Assert.Equal(r, r.Unmapped());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("abc")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4.5")]
    [InlineData("1.2.3.")]
    [InlineData(".1.2.3")]
    [InlineData("1..2.3")]
    [InlineData("256.0.0.0")]
    [InlineData("1.2.3.1000")]
    [InlineData("010.0.0.1")] // octal ambiguity
    [InlineData("10.00.0.1")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("10.1")] // inet_aton shorthand
    [InlineData("127.1")]
    [InlineData("2130706433")] // 127.0.0.1 as a number
    [InlineData("+1.2.3.4")]
    [InlineData("1. 2.3.4")]
    [InlineData("1.2.3.4 1.2.3.5")]
    [InlineData("1.2.3.4:80")]
    [InlineData("[::1]")]
    [InlineData("[::1]:80")]
    [InlineData("fe80::1%eth0")]
    [InlineData("fe80::1%2")]
    [InlineData("gggg::")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("1::2::3")]
    [InlineData(":::")]
    [InlineData("::ffff:1.2.3")]
    [InlineData("::ffff:010.0.0.1")]
    [InlineData("::ffff:256.0.0.1")]
    [InlineData("1.2.3.4-1.2.3.3")] // from > to
    [InlineData("2001:db8::ff-2001:db8::1")]
    [InlineData("1.2.3.4-::1")] // mixed families
    [InlineData("::1-1.2.3.4")]
    [InlineData("::ffff:1.2.3.4-1.2.3.5")] // mixed as written
    [InlineData("1.2.3.4-")]
    [InlineData("-1.2.3.4")]
    [InlineData("1.2.3.4--1.2.3.5")]
    [InlineData("1.2.3.4-1.2.3.5-1.2.3.6")]
    [InlineData("10.0.0.0/")]
    [InlineData("/8")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0.0/+8")]
    [InlineData("10.0.0.0/8/8")]
    [InlineData("10.0.0.0/0x8")]
    [InlineData("10.0.0.0/1000")]
    [InlineData("2001:db8::/129")]
    [InlineData("10.0.0.0/8-10.0.0.1")]
    [InlineData("10.0.0.1-10.0.0.9/24")]
    public void TryParse_rejects_bad_strings(string? text)
    {
        Assert.False(AddressRange.TryParse(text, out AddressRange r));
        Assert.Equal(default, r);
        if (text is not null)
        {
            Assert.Throws<FormatException>(() => AddressRange.Parse(text));
        }
    }

    [Theory]
    [InlineData("10.0.0.0-10.255.255.255", "10.0.0.0", true)]
    [InlineData("10.0.0.0-10.255.255.255", "10.255.255.255", true)]
    [InlineData("10.0.0.0-10.255.255.255", "9.255.255.255", false)]
    [InlineData("10.0.0.0-10.255.255.255", "11.0.0.0", false)]
    [InlineData("10.0.0.0-10.255.255.255", "::ffff:10.1.2.3", true)] // mapped → canonical
    [InlineData("10.0.0.0-10.255.255.255", "::10.1.2.3", true)] // compatible → canonical
    [InlineData("10.0.0.0-10.255.255.255", "64:ff9b::a01:203", true)] // NAT64 → canonical
    [InlineData("10.0.0.0-10.255.255.255", "::ffff:11.0.0.0", false)]
    [InlineData("10.0.0.0-10.255.255.255", "::a00:1", true)] // compatible ::10.0.0.1
    [InlineData("0.0.0.0/0", "2001:db8::1", false)] // IPv4 range, IPv6 peer
    [InlineData("::/0", "2001:db8::1", true)]
    [InlineData("::/0", "1.2.3.4", false)] // IPv6 range, IPv4 peer
    [InlineData("::/0", "::ffff:1.2.3.4", true)] // as written
    [InlineData("::ffff:0:0/96", "::ffff:1.2.3.4", true)]
    [InlineData("::ffff:0:0/96", "1.2.3.4", false)]
    [InlineData("64:ff9b::/96", "64:ff9b::a01:203", true)]
    [InlineData("64:ff9b::/96", "10.1.2.3", false)]
    [InlineData("2001:db8::/32", "2001:db8::", true)]
    [InlineData("2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true)]
    [InlineData("2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", false)]
    [InlineData("2001:db8::/32", "2001:db9::", false)]
    [InlineData("::1", "::1", true)]
    [InlineData("::1", "::2", false)]
    [InlineData("::1", "127.0.0.1", false)]
    public void Contains_matches_as_written_or_canonical(string range, string peer, bool expected)
        => Assert.Equal(expected, AddressRange.Parse(range).Contains(A(peer)));

    [Fact]
    public void Contains_ignores_port_and_scope()
    {
        AddressRange r = AddressRange.Parse("fe80::/10");
        Span<byte> bytes = stackalloc byte[16];
        A("fe80::1").WriteAddressBytes(bytes);
        Assert.True(r.Contains(new StunAddress(bytes, 1, scopeId: 7)));
        Assert.True(r.Contains(new StunAddress(bytes, 65535, scopeId: 0)));
        Assert.True(AddressRange.Parse("1.2.3.4").Contains(A("1.2.3.4", 0)));
        Assert.True(AddressRange.Parse("1.2.3.4").Contains(A("1.2.3.4", 65535)));
    }

    [Fact]
    public void Default_range_and_empty_address_contain_nothing()
    {
        Assert.False(default(AddressRange).Contains(A("1.2.3.4")));
        Assert.False(AddressRange.Parse("0.0.0.0/0").Contains(default));
        Assert.False(AddressRange.Parse("::/0").Contains(default));
        Assert.Equal(string.Empty, default(AddressRange).ToString());
    }

    [Fact]
    public void Constructor_validates_and_matches_parse()
    {
        Assert.Equal(AddressRange.Parse("10.0.0.1-10.0.0.9"), new AddressRange(A("10.0.0.1", 5), A("10.0.0.9", 6)));
        Assert.Equal(AddressRange.Parse("2001:db8::5"), AddressRange.Single(A("2001:db8::5")));
        Assert.Throws<ArgumentException>(() => new AddressRange(A("10.0.0.9"), A("10.0.0.1")));
        Assert.Throws<ArgumentException>(() => new AddressRange(A("10.0.0.1"), A("::1")));
        Assert.Throws<ArgumentException>(() => new AddressRange(A("::ffff:10.0.0.1"), A("10.0.0.2")));
        Assert.Throws<ArgumentException>(() => new AddressRange(default, default));
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0-10.255.255.255")]
    [InlineData("1.2.3.4", "1.2.3.4")]
    [InlineData("::1", "::1")]
    [InlineData("2001:db8::/120", "2001:db8::-2001:db8::ff")]
    public void ToString_round_trips(string text, string expected)
    {
        AddressRange r = AddressRange.Parse(text);
        Assert.Equal(expected, r.ToString());
        Assert.Equal(r, AddressRange.Parse(r.ToString()));
    }
}
