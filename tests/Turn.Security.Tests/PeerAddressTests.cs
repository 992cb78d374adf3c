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
    [InlineData("64:ff9b:1::a00:1", "64:ff9b:1::a00:1", IPv4Embedding.None)] // RFC 8215 local-use: not canonicalised
    [InlineData("::1:0:0", "::1:0:0", IPv4Embedding.None)] // just above ::/96
    [InlineData("::fffe:a00:1", "::fffe:a00:1", IPv4Embedding.None)] // just below ::ffff:0:0/96
    [InlineData("::1:ffff:a00:1", "::1:ffff:a00:1", IPv4Embedding.None)] // just above ::ffff:0:0/96
    [InlineData("::ffff:0:a00:1", "::ffff:0:10.0.0.1", IPv4Embedding.None)] // SIIT translated: not canonicalised
    [InlineData("2002:a00:1::", "2002:a00:1::", IPv4Embedding.None)] // 6to4: not canonicalised
    [InlineData("2001:db8::1", "2001:db8::1", IPv4Embedding.None)]
    public void Canonicalize_unwraps_IPv4_spellings(string input, string expected, IPv4Embedding embedding)
    {
        StunAddress a = A(input, 4242);
        StunAddress c = PeerAddress.Canonicalize(a);
        Assert.Equal(expected, Text(c));
        Assert.Equal(4242, c.Port);
        Assert.Equal(embedding, PeerAddress.GetEmbedding(a));
        Assert.Equal(embedding != IPv4Embedding.None, c.IsIPv4 && a.IsIPv6);
        Assert.Equal(c, PeerAddress.Canonicalize(c)); // idempotent
    }

    [Fact]
    public void Canonicalize_leaves_empty_alone()
    {
        Assert.True(PeerAddress.Canonicalize(default).IsEmpty);
        Assert.Equal(IPv4Embedding.None, PeerAddress.GetEmbedding(default));
    }
}
