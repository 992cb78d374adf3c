using Turn.Protocol.TestVectors;

namespace Turn.Protocol.Tests;

/// <summary>Parsing, attribute reads and integrity checks allocate nothing.</summary>
public class AllocationTests
{
    [Fact]
    public void Parse_read_and_verify_allocate_nothing()
    {
        byte[] request = Rfc5769Vectors.Request.ToArray();
        byte[] longTerm = Rfc5769Vectors.LongTermRequest.ToArray();
        byte[] ipv6 = Rfc5769Vectors.Ipv6Response.ToArray();
        byte[] sha256 = Rfc8489Vectors.CorrectedRequest.ToArray();
        byte[] shortKey = StunKeys.ShortTerm(Rfc5769Vectors.ShortTermPassword);
        byte[] longKey = StunKeys.LongTermMd5(Rfc5769Vectors.LongTermUsername, Rfc5769Vectors.LongTermRealm, Rfc5769Vectors.LongTermPassword);
        byte[] shaKey = StunKeys.LongTermSha256(Rfc8489Vectors.Username, Rfc8489Vectors.Realm, Rfc8489Vectors.Password);
        byte[] allocate = TestHelpers.Build((ref StunMessageWriter w) =>
        {
            w.AddRequestedTransport(TransportProtocol.Udp);
            w.AddLifetime(600);
            w.AddXorAddress(StunAttributeType.XorPeerAddress, StunAddress.Parse("[2001:db8::9]:5000"));
            w.AddErrorCode(438);
            w.AddUsername("user");
            w.AddMessageIntegrity(longKey);
            w.AddFingerprint();
        });

        int sink = 0;
        for (int i = 0; i < 2000; i++)
        {
            sink += Work(request, longTerm, ipv6, sha256, allocate, shortKey, longKey, shaKey);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 2000; i++)
        {
            sink += Work(request, longTerm, ipv6, sha256, allocate, shortKey, longKey, shaKey);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(4000 * 14, sink);
    }

    private static int Work(byte[] request, byte[] longTerm, byte[] ipv6, byte[] sha256, byte[] allocate, byte[] shortKey, byte[] longKey, byte[] shaKey)
    {
        int ok = 0;
        if (StunMessage.TryParse(request, out StunMessage m) == StunParseStatus.Ok)
        {
            ok += StunIntegrity.VerifyMessageIntegrity(m, shortKey) ? 1 : 0;
            ok += StunIntegrity.VerifyFingerprint(m) ? 1 : 0;
            ok += m.TryGetAttribute(StunAttributeType.Username, out ReadOnlySpan<byte> u) && StunAttributeReader.TryReadUsername(u, out _) ? 1 : 0;
            ok += m.TryGetUInt32(StunAttributeType.Priority, out _) ? 1 : 0;
            foreach (StunAttribute a in m.GetAttributes())
            {
                ok += a.Type == 0 ? 100 : 0;
            }
        }

        if (StunMessage.TryParse(longTerm, out m) == StunParseStatus.Ok)
        {
            ok += StunIntegrity.VerifyMessageIntegrity(m, longKey) ? 1 : 0;
            ok += m.TryGetAttribute(StunAttributeType.Realm, out ReadOnlySpan<byte> r) && StunAttributeReader.TryReadRealm(r, out _) ? 1 : 0;
            ok += m.TryGetAttribute(StunAttributeType.Nonce, out ReadOnlySpan<byte> n) && StunAttributeReader.TryReadNonce(n, out _) ? 1 : 0;
        }

        if (StunMessage.TryParse(ipv6, out m) == StunParseStatus.Ok)
        {
            ok += m.TryGetXorAddress(StunAttributeType.XorMappedAddress, out _) ? 1 : 0;
        }

        if (StunMessage.TryParse(sha256, out m) == StunParseStatus.Ok)
        {
            ok += StunIntegrity.VerifyMessageIntegritySha256(m, shaKey) ? 1 : 0;
            ok += m.TryGetAttribute(StunAttributeType.UserHash, out ReadOnlySpan<byte> h) && StunAttributeReader.TryReadUserHash(h, out _) ? 1 : 0;
        }

        if (StunMessage.TryParse(allocate, out m) == StunParseStatus.Ok)
        {
            ok += StunIntegrity.VerifyMessageIntegrity(m, longKey) ? 1 : 0;
            ok += m.TryGetXorAddress(StunAttributeType.XorPeerAddress, out _) ? 1 : 0;
            ok += m.TryGetErrorCode(out _, out _) ? 1 : 0;
            ok += m.TryGetAttribute(StunAttributeType.RequestedTransport, out ReadOnlySpan<byte> t) && StunAttributeReader.TryReadRequestedTransport(t, out _) ? 1 : 0;
            Span<ushort> unknown = stackalloc ushort[4];
            ok += m.CopyUnknownComprehensionRequired(unknown);
        }

        ok += ChannelData.TryParse([0x40, 0x00, 0x00, 0x01, 0xAA], out _, out _) ? 0 : 100;
        ok += StreamFraming.GetFrame(request, out _) == StreamFrameKind.Stun ? 0 : 100;
        return ok;
    }

    [Fact]
    public void Writing_allocates_nothing()
    {
        byte[] buffer = new byte[512];
        byte[] key = new byte[16];
        StunAddress address = StunAddress.Parse("[2001:db8::1]:3478");
        for (int i = 0; i < 500; i++)
        {
            Write(buffer, key, address);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            Write(buffer, key, address);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void Write(byte[] buffer, byte[] key, in StunAddress address)
    {
        var w = new StunMessageWriter(buffer);
        w.WriteHeader(StunMethod.Allocate, StunClass.SuccessResponse, TestHelpers.TransactionId);
        w.AddXorAddress(StunAttributeType.XorRelayedAddress, address);
        w.AddXorAddress(StunAttributeType.XorMappedAddress, address);
        w.AddLifetime(600);
        w.AddSoftware("turn-dotnet");
        w.AddErrorCode(StunErrorCode.StaleNonce, "Stale Nonce");
        w.AddMessageIntegrity(key);
        w.AddMessageIntegritySha256(key);
        w.AddFingerprint();
    }
}
