using System.Buffers.Binary;
using System.Security.Cryptography;
using Turn.Protocol;

namespace Turn.Server.Dtls.Tests;

public sealed class DtlsCookieGuardTests
{
    private static readonly StunAddress Client = StunAddress.Parse("192.0.2.10:40000");

    [Fact]
    public void HelloVerifyRequestEchoesSequenceNumbersWithDtls10Version()
    {
        var guard = new DtlsCookieGuard();
        byte[] hello = RawClientHello.Build(RandomNumberGenerator.GetBytes(32), [], recordSequence: 7, messageSequence: 0);
        Assert.True(ClientHelloView.TryRead(hello, out ClientHelloView view));
        Assert.False(guard.IsValid(view, Client, Environment.TickCount64));

        byte[] answer = new byte[DtlsCookieGuard.HelloVerifyRequestLength];
        int length = guard.WriteHelloVerifyRequest(view, Client, Environment.TickCount64, answer);

        Assert.Equal(answer.Length, length);
        Assert.Equal(22, answer[0]);                                                  // handshake record
        Assert.Equal(0xFEFF, BinaryPrimitives.ReadUInt16BigEndian(answer.AsSpan(1))); // RFC 6347 §4.2.1: DTLS 1.0
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(answer.AsSpan(3)));      // epoch 0
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32BigEndian(answer.AsSpan(7)));      // the ClientHello's record sequence
        Assert.Equal(3, answer[13]);                                                  // hello_verify_request
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(answer.AsSpan(17)));     // its message_seq
        Assert.Equal(0xFEFF, BinaryPrimitives.ReadUInt16BigEndian(answer.AsSpan(25)));
        Assert.Equal(DtlsCookieGuard.CookieLength, RawClientHello.CookieOf(answer).Length);
    }

    [Fact]
    public void CookieIsBoundToAddressPortAndHello()
    {
        var guard = new DtlsCookieGuard();
        long now = Environment.TickCount64;
        byte[] random = RandomNumberGenerator.GetBytes(32);
        byte[] cookie = CookieFor(guard, random, Client, now);

        Assert.True(Valid(guard, RawClientHello.Build(random, cookie, 1, 1), Client, now));
        Assert.False(Valid(guard, RawClientHello.Build(random, cookie, 1, 1), Client.WithPort(40001), now));
        Assert.False(Valid(guard, RawClientHello.Build(random, cookie, 1, 1), StunAddress.Parse("192.0.2.11:40000"), now));
        Assert.False(Valid(guard, RawClientHello.Build(RandomNumberGenerator.GetBytes(32), cookie, 1, 1), Client, now));
        Assert.False(Valid(guard, RawClientHello.Build(random, cookie, 1, 1, suites: [0xC02B]), Client, now));

        byte[] forged = (byte[])cookie.Clone();
        forged[0] ^= 1;
        Assert.False(Valid(guard, RawClientHello.Build(random, forged, 1, 1), Client, now));
    }

    [Fact]
    public void CookieOutlivesOneRotationButNotTwo()
    {
        var guard = new DtlsCookieGuard();
        long now = Environment.TickCount64;
        byte[] random = RandomNumberGenerator.GetBytes(32);
        byte[] cookie = CookieFor(guard, random, Client, now);
        byte[] second = RawClientHello.Build(random, cookie, 1, 1);

        guard.Rotate(now);
        Assert.True(Valid(guard, second, Client, now));
        guard.Rotate(now);
        Assert.False(Valid(guard, second, Client, now));
    }

    [Fact]
    public void SecretRotatesByItselfAfterThePeriod()
    {
        var guard = new DtlsCookieGuard(rotationMs: 1000);
        long now = Environment.TickCount64;
        byte[] random = RandomNumberGenerator.GetBytes(32);
        byte[] second = RawClientHello.Build(random, CookieFor(guard, random, Client, now), 1, 1);

        Assert.True(Valid(guard, second, Client, now + 1500));  // previous secret
        Assert.False(Valid(guard, second, Client, now + 5000)); // two rotations later
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 22, 0xFE, 0xFD })]
    [InlineData(new byte[] { 23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 })]
    public void NonClientHellosAreNotRead(byte[] datagram) => Assert.False(ClientHelloView.TryRead(datagram, out _));

    [Fact]
    public void FragmentedOrTruncatedClientHelloIsNotRead()
    {
        byte[] hello = RawClientHello.Build(RandomNumberGenerator.GetBytes(32), []);
        Assert.True(ClientHelloView.TryRead(hello, out _));
        Assert.False(ClientHelloView.TryRead(hello.AsSpan(0, hello.Length - 1), out _));

        byte[] fragment = (byte[])hello.Clone();
        fragment[24] -= 1; // fragment_length smaller than length
        Assert.False(ClientHelloView.TryRead(fragment, out _));
    }

    private static byte[] CookieFor(DtlsCookieGuard guard, byte[] random, StunAddress client, long now)
    {
        byte[] first = RawClientHello.Build(random, []);
        Assert.True(ClientHelloView.TryRead(first, out ClientHelloView view));
        byte[] answer = new byte[DtlsCookieGuard.HelloVerifyRequestLength];
        guard.WriteHelloVerifyRequest(view, client, now, answer);
        return RawClientHello.CookieOf(answer);
    }

    private static bool Valid(DtlsCookieGuard guard, byte[] hello, StunAddress client, long now) =>
        ClientHelloView.TryRead(hello, out ClientHelloView view) && guard.IsValid(view, client, now);
}
