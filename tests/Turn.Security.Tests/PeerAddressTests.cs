using Turn.Protocol;
using static Turn.Security.Tests.TestAddresses;

namespace Turn.Security.Tests;

public class PeerAddressTests
{
    [Theory]
    [InlineData("1.2.3.4", "1.2.3.4", IPv4Embedding.None)]
    [InlineData("::ffff:127.0.0.1", "127.0.0.1", IPv4Embedding.Mapped)]
    [InlineData("::ffff:0.0.0.0", "0.0.0.0", IPv4Embedding.Mapped)]
    [InlineData("::ffff:255.255.255.255", "255.255.255.255", IPv4Embedding.Mapped)]
    [InlineData("::127.0.0.1", "127.0.0.1", IPv4Embedding.Compatible)]
    [InlineData("::10.0.0.1", "10.0.0.1", IPv4Embedding.Compatible)]
    [InlineData("::2", "0.0.0.2", IPv4Embedding.Compatible)]
    [InlineData("::255.255.255.255", "255.255.255.255", IPv4Embedding.Compatible)]
    [InlineData("::", "::", IPv4Embedding.None)] // unspecified keeps its IPv6 meaning
    [InlineData("::1", "::1", IPv4Embedding.None)] // loopback keeps its IPv6 meaning
    [InlineData("64:ff9b::7f00:1", "127.0.0.1", IPv4Embedding.Nat64)]
    [InlineData("64:ff9b::", "0.0.0.0", IPv4Embedding.Nat64)]
    [InlineData("64:ff9b::ffff:ffff", "255.255.255.255", IPv4Embedding.Nat64)]
    [InlineData("64:ff9b::1:0:0", "64:ff9b::1:0:0", IPv4Embedding.None)] // outside the /96
    [InlineData("64:ff9b:1::a00:1", "64:ff9b:1::a00:1", IPv4Embedding.Nat64LocalUse)] // RFC 8215 local-use: not canonicalised
    [InlineData("::1:0:0", "::1:0:0", IPv4Embedding.None)] // just above ::/96
    [InlineData("::fffe:a00:1", "::fffe:a00:1", IPv4Embedding.None)] // just below ::ffff:0:0/96
    [InlineData("::1:ffff:a00:1", "::1:ffff:a00:1", IPv4Embedding.None)] // just above ::ffff:0:0/96
    [InlineData("::ffff:0:a00:1", "::ffff:0:10.0.0.1", IPv4Embedding.None)] // SIIT translated: not canonicalised
    [InlineData("2002:a00:1::", "2002:a00:1::", IPv4Embedding.SixToFour)] // 6to4: not canonicalised
    [InlineData("2001:0:4136:e378:8000:63bf:80ff:fffe", "2001:0:4136:e378:8000:63bf:80ff:fffe", IPv4Embedding.Teredo)] // Teredo: not canonicalised
    [InlineData("2001:1::1", "2001:1::1", IPv4Embedding.None)] // just above 2001::/32
    [InlineData("2001:db8::1", "2001:db8::1", IPv4Embedding.None)]
    public void Canonicalize_unwraps_IPv4_spellings(string input, string expected, IPv4Embedding embedding)
    {
        StunAddress a = A(input, 4242);
        StunAddress c = PeerAddress.Canonicalize(a);
        Assert.Equal(expected, Text(c));
        Assert.Equal(4242, c.Port);
        Assert.Equal(embedding, PeerAddress.GetEmbedding(a));
        Assert.Equal(PeerAddress.IsTranslated(embedding), c.IsIPv4 && a.IsIPv6);
        Assert.Equal(c, PeerAddress.Canonicalize(c)); // idempotent
    }

    [Fact]
    public void Canonicalize_leaves_empty_alone()
    {
        Assert.True(PeerAddress.Canonicalize(default).IsEmpty);
        Assert.Equal(IPv4Embedding.None, PeerAddress.GetEmbedding(default));
    }

    [Theory]
    [InlineData("2002:7f00:1::", 1, "127.0.0.1", null)]
    [InlineData("2002:c000:22d:1::5", 1, "192.0.2.45", null)]
    [InlineData("2001:0:4136:e378:8000:63bf:80ff:fffe", 2, "65.54.227.120", "127.0.0.1")] // client inverted in the last 32 bits
    [InlineData("2001:0:7f00:1:8000:63bf:f7f7:f7f7", 2, "127.0.0.1", "8.8.8.8")]
    [InlineData("64:ff9b:1::7f00:1", 1, "127.0.0.1", null)] // /96 layout; the /48 one reads 0.0.0.0 (not in use)
    [InlineData("64:ff9b:1:7f00:0:100::", 1, "127.0.0.1", null)] // RFC 6052 /48 layout: bits 48-63, u octet, bits 72-87
    [InlineData("64:ff9b:1:a9fe:a9:fe00:7f00:1", 2, "169.254.169.254", "127.0.0.1")] // both layouts in use
    [InlineData("64:ff9b:1::", 1, "0.0.0.0", null)] // neither: judged as 0.0.0.0
    [InlineData("::ffff:127.0.0.1", 0, null, null)] // canonicalised instead
    [InlineData("64:ff9b::7f00:1", 0, null, null)]
    [InlineData("2001:db8::1", 0, null, null)]
    [InlineData("127.0.0.1", 0, null, null)]
    public void GetTunnelledIPv4_reads_6to4_Teredo_and_NAT64_local_use(string input, int count, string? first, string? second)
    {
        Assert.Equal(count, PeerAddress.GetTunnelledIPv4(A(input), out uint a, out uint b));
        if (first is not null)
        {
            Assert.Equal(first, Text(StunAddress.FromIPv4(a, 0)));
        }

        if (second is not null)
        {
            Assert.Equal(second, Text(StunAddress.FromIPv4(b, 0)));
        }
    }
}
