using Turn.Protocol;

namespace Turn.Protocol.Tests;

public class SourcePrefixTests
{
    [Theory]
    [InlineData("192.0.2.7:4242", "192.0.2.7:0")]
    [InlineData("[::ffff:192.0.2.7]:4242", "192.0.2.7:0")]
    [InlineData("[2001:db8:1:2:3:4:5:6]:4242", "[2001:db8:1:2::]:0")]
    [InlineData("[2001:db8:1:2:ffff:ffff:ffff:ffff]:1", "[2001:db8:1:2::]:0")]
    [InlineData("[::1]:3478", "[::]:0")]
    public void ASourceIsAnIPv4AddressOrAnIPv6Slash64WithoutThePort(string address, string source)
    {
        Assert.Equal(StunAddress.Parse(source), SourcePrefix.Of(StunAddress.Parse(address)));
    }

    [Fact]
    public void TwoHostsOfOneSlash64AreOneSourceAndTheNextSlash64IsAnother()
    {
        StunAddress a = SourcePrefix.Of(StunAddress.Parse("[2001:db8:0:5::1]:1000"));
        StunAddress b = SourcePrefix.Of(StunAddress.Parse("[2001:db8:0:5:8000::9]:2000"));
        StunAddress c = SourcePrefix.Of(StunAddress.Parse("[2001:db8:0:6::1]:1000"));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.NotEqual(SourcePrefix.Of(StunAddress.Parse("192.0.2.1:1")), SourcePrefix.Of(StunAddress.Parse("192.0.2.2:1")));
    }

    [Fact]
    public void TheScopeIdIsNotPartOfTheSource()
    {
        var scoped = new StunAddress(System.Net.IPAddress.Parse("fe80::1").GetAddressBytes(), 5, scopeId: 3);
        Assert.Equal(StunAddress.Parse("[fe80::]:0"), SourcePrefix.Of(scoped));
    }
}
