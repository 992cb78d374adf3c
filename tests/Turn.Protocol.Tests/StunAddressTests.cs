using System.Net;
using System.Net.Sockets;

namespace Turn.Protocol.Tests;

public class StunAddressTests
{
    [Theory]
    [InlineData("1.2.3.4:5")]
    [InlineData("[::1]:5")]
    [InlineData("[2001:db8::1]:65535")]
    [InlineData("[fe80::1%3]:9")]
    public void Parse_ToString_and_IPEndPoint(string text)
    {
        StunAddress a = StunAddress.Parse(text);
        Assert.Equal(text, a.ToString());
        IPEndPoint endPoint = a.ToIPEndPoint();
        Assert.Equal(IPEndPoint.Parse(text), endPoint);
        Assert.Equal(a, StunAddress.FromIPEndPoint(endPoint));
        Assert.Equal(a.GetHashCode(), StunAddress.FromIPEndPoint(endPoint).GetHashCode());
    }

    [Theory]
    [InlineData("198.51.100.1:3478")]
    [InlineData("[2001:db8::42]:49152")]
    [InlineData("[fe80::1%7]:1")]
    public void Socket_address_round_trip_without_allocation(string text)
    {
        StunAddress a = StunAddress.Parse(text);
        SocketAddress native = IPEndPoint.Parse(text).Serialize();
        Assert.True(StunAddress.TryFromSocketAddress(native, out StunAddress fromNative));
        Assert.Equal(a, fromNative);

        var target = new SocketAddress(a.Family);
        Assert.True(a.TryWriteTo(target));
        Assert.Equal(native.Size, target.Size);
        Assert.Equal(native.Buffer.Span[..native.Size].ToArray(), target.Buffer.Span[..target.Size].ToArray());
        Assert.Equal(a, StunAddress.FromSocketAddress(a.ToSocketAddress()));

        // Warm, then measure.
        for (int i = 0; i < 100; i++)
        {
            a.TryWriteTo(target);
            StunAddress.TryFromSocketAddress(target, out _);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            a.TryWriteTo(target);
            StunAddress.TryFromSocketAddress(target, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Ipv4_into_a_dual_mode_ipv6_socket_address_and_back()
    {
        StunAddress v4 = StunAddress.Parse("192.0.2.7:1234");
        var v6Socket = new SocketAddress(AddressFamily.InterNetworkV6);
        Assert.True(v4.TryWriteTo(v6Socket));
        Assert.True(StunAddress.TryFromSocketAddress(v6Socket, out StunAddress mapped));
        Assert.True(mapped.IsIPv4MappedToIPv6);
        Assert.Equal("[::ffff:192.0.2.7]:1234", mapped.ToString());
        Assert.Equal(v4, mapped.Unmapped());
        Assert.Equal(mapped, v4.MapToIPv6());

        var v4Socket = new SocketAddress(AddressFamily.InterNetwork);
        Assert.True(mapped.TryWriteTo(v4Socket));
        Assert.False(StunAddress.Parse("[2001:db8::1]:1").TryWriteTo(v4Socket));
        Assert.False(default(StunAddress).TryWriteTo(v4Socket));
    }

    [Fact]
    public void Equality_and_helpers()
    {
        StunAddress a = StunAddress.Parse("10.0.0.1:1000");
        Assert.True(a.EqualsAddress(a.WithPort(2000)));
        Assert.NotEqual(a, a.WithPort(2000));
        Assert.True(a == StunAddress.FromIPv4(0x0A000001, 1000));
        Assert.False(a != StunAddress.FromIPv4(0x0A000001, 1000));
        Assert.Equal(0x0A000001u, a.IPv4Value);
        Assert.Equal(StunAddressFamily.IPv4, a.WireFamily);
        Assert.Equal(4, a.AddressLength);
        Assert.True(default(StunAddress).IsEmpty);
        Assert.Equal("", default(StunAddress).ToString());
        Assert.Throws<InvalidOperationException>(() => default(StunAddress).ToIPAddress());
        Assert.Throws<ArgumentException>(() => new StunAddress(new byte[5], 1));
        Assert.False(StunAddress.TryParse("not an address", out _));
        Assert.False(StunAddress.TryParse(null, out _));
    }
}
