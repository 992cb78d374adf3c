using System.Text;
using Turn.Protocol.TestVectors;

namespace Turn.Protocol.Tests;

/// <summary>RFC 5769 §2.1–§2.4, byte for byte.</summary>
public class Rfc5769VectorTests
{
    private static byte[] ShortTermKey => StunKeys.ShortTerm(Rfc5769Vectors.ShortTermPassword);

    [Fact]
    public void Request_2_1_parses_verifies_and_decodes()
    {
        StunMessage m = TestHelpers.ParseOk(Rfc5769Vectors.Request);
        Assert.Equal(StunMethod.Binding, m.Method);
        Assert.Equal(StunClass.Request, m.Class);
        Assert.True(m.HasMagicCookie);
        Assert.True(m.TransactionId.SequenceEqual(Rfc5769Vectors.TransactionId));
        Assert.True(m.HasMessageIntegrity);
        Assert.True(m.HasFingerprint);
        Assert.False(m.HasUnknownComprehensionRequired);

        Assert.True(StunIntegrity.VerifyMessageIntegrity(m, ShortTermKey));
        Assert.True(StunIntegrity.VerifyFingerprint(m));
        Assert.False(StunIntegrity.VerifyMessageIntegrity(m, Encoding.ASCII.GetBytes("VOkJxbRl1RmTxUk/WvJxBT")));

        Assert.True(StunAttributeReader.TryReadString(TestHelpers.Attribute(m, StunAttributeType.Software), Stun.MaxTextBytes, out string software));
        Assert.Equal("STUN test client", software);
        Assert.True(StunAttributeReader.TryReadString(TestHelpers.Attribute(m, StunAttributeType.Username), Stun.MaxUsernameBytes, out string user));
        Assert.Equal("evtj:h6vY", user);
        Assert.True(StunAttributeReader.TryReadPriority(TestHelpers.Attribute(m, StunAttributeType.Priority), out uint priority));
        Assert.Equal(0x6E0001FFu, priority);
        Assert.True(StunAttributeReader.TryReadIceTieBreaker(TestHelpers.Attribute(m, StunAttributeType.IceControlled), out ulong tie));
        Assert.Equal(0x932FF9B151263B36UL, tie);
    }

    [Fact]
    public void Request_2_1_is_recreated_byte_for_byte()
    {
        var buffer = new byte[512];
        var w = new StunMessageWriter(buffer) { PaddingByte = 0x20 }; // the RFC pads with spaces
        w.WriteHeader(StunMethod.Binding, StunClass.Request, Rfc5769Vectors.TransactionId);
        w.AddSoftware("STUN test client");
        w.AddPriority(0x6E0001FF);
        w.AddIceControlled(0x932FF9B151263B36);
        w.AddUsername("evtj:h6vY");
        w.AddMessageIntegrity(ShortTermKey);
        w.AddFingerprint();
        Assert.False(w.Overflowed);
        Assert.Equal(Rfc5769Vectors.Request.ToArray(), w.Written.ToArray());
    }

    [Fact]
    public void Request_2_1_with_zero_padding_differs_only_in_padding_and_still_verifies()
    {
        var buffer = new byte[512];
        var w = new StunMessageWriter(buffer);
        w.WriteHeader(StunMethod.Binding, StunClass.Request, Rfc5769Vectors.TransactionId);
        w.AddSoftware("STUN test client");
        w.AddPriority(0x6E0001FF);
        w.AddIceControlled(0x932FF9B151263B36);
        w.AddUsername("evtj:h6vY");
        w.AddMessageIntegrity(ShortTermKey);
        w.AddFingerprint();
        StunMessage m = TestHelpers.ParseOk(w.Written);
        Assert.True(StunIntegrity.VerifyMessageIntegrity(m, ShortTermKey));
        Assert.True(StunIntegrity.VerifyFingerprint(m));
        Assert.Equal(Rfc5769Vectors.Request.Length, w.Length);
        Assert.Equal(Rfc5769Vectors.Request[..73].ToArray(), w.Written[..73].ToArray()); // up to the username padding
    }

    [Theory]
    [InlineData(false, "192.0.2.1", 32853)]
    [InlineData(true, "2001:db8:1234:5678:11:2233:4455:6677", 32853)]
    public void Responses_2_2_and_2_3_verify_decode_and_re_encode(bool ipv6, string ip, int port)
    {
        ReadOnlySpan<byte> vector = ipv6 ? Rfc5769Vectors.Ipv6Response : Rfc5769Vectors.Ipv4Response;
        StunMessage m = TestHelpers.ParseOk(vector);
        Assert.Equal(StunClass.SuccessResponse, m.Class);
        Assert.True(StunIntegrity.VerifyMessageIntegrity(m, ShortTermKey));
        Assert.True(StunIntegrity.VerifyFingerprint(m));
        Assert.True(m.TryGetXorAddress(StunAttributeType.XorMappedAddress, out StunAddress mapped));
        var expected = new StunAddress(System.Net.IPAddress.Parse(ip).GetAddressBytes(), (ushort)port);
        Assert.Equal(expected, mapped);
        Assert.Equal(ipv6 ? "[2001:db8:1234:5678:11:2233:4455:6677]:32853" : "192.0.2.1:32853", mapped.ToString());

        var buffer = new byte[512];
        var w = new StunMessageWriter(buffer) { PaddingByte = 0x20 };
        w.WriteHeader(StunMethod.Binding, StunClass.SuccessResponse, Rfc5769Vectors.TransactionId);
        w.AddSoftware("test vector");
        w.AddXorAddress(StunAttributeType.XorMappedAddress, expected);
        w.AddMessageIntegrity(ShortTermKey);
        w.AddFingerprint();
        Assert.Equal(vector.ToArray(), w.Written.ToArray());
    }

    [Fact]
    public void LongTerm_2_4_verifies_with_the_md5_key_and_re_encodes()
    {
        StunMessage m = TestHelpers.ParseOk(Rfc5769Vectors.LongTermRequest);
        Assert.False(m.HasFingerprint);
        Assert.True(StunAttributeReader.TryReadString(TestHelpers.Attribute(m, StunAttributeType.Username), Stun.MaxUsernameBytes, out string user));
        Assert.Equal("マトリックス", user);
        Assert.True(OpaqueString.TryPrepare(user, out string? preparedUser));
        Assert.Equal(user, preparedUser);
        Assert.True(StunAttributeReader.TryReadRealm(TestHelpers.Attribute(m, StunAttributeType.Realm), out ReadOnlySpan<byte> realm));
        Assert.Equal("example.org", Encoding.UTF8.GetString(realm));
        Assert.True(StunAttributeReader.TryReadNonce(TestHelpers.Attribute(m, StunAttributeType.Nonce), out ReadOnlySpan<byte> nonce));
        Assert.Equal("f//499k954d6OL34oL9FSTvy64sA", Encoding.UTF8.GetString(nonce));

        byte[] key = StunKeys.LongTermMd5("マトリックス", "example.org", "TheMatrIX");
        Assert.Equal(TestHelpers.Hex("e8ca7ad59d5eb0518e312911d2dab2a9"), key);
        Assert.True(StunIntegrity.VerifyMessageIntegrity(m, key));
        Assert.False(StunIntegrity.VerifyMessageIntegrity(m, StunKeys.LongTermMd5("マトリックス", "example.org", "TheMatrix")));

        // The unprepared password is the SASLprep form; OpaqueString rejects it (U+00AD is default-ignorable),
        // so it cannot produce the vector's key.
        Assert.False(OpaqueString.TryPrepare(Rfc5769Vectors.LongTermPasswordUnprepared, out _));

        var buffer = new byte[512];
        var w = new StunMessageWriter(buffer);
        w.WriteHeader(StunMethod.Binding, StunClass.Request, Rfc5769Vectors.LongTermTransactionId);
        w.AddUsername("マトリックス");
        w.AddNonce("f//499k954d6OL34oL9FSTvy64sA");
        w.AddRealm("example.org");
        w.AddMessageIntegrity(key);
        Assert.Equal(Rfc5769Vectors.LongTermRequest.ToArray(), w.Written.ToArray());
    }

    [Fact]
    public void Tampering_any_covered_byte_breaks_integrity_and_fingerprint()
    {
        byte[] original = Rfc5769Vectors.Request.ToArray();
        int miOffset = original.Length - 8 - 24;
        for (int i = 0; i < original.Length - 8; i++)
        {
            if (i is 2 or 3)
            {
                continue; // the length field changes parsing itself
            }

            byte[] copy = (byte[])original.Clone();
            copy[i] ^= 0x01;
            if (StunMessage.TryParse(copy, out StunMessage m) != StunParseStatus.Ok)
            {
                continue;
            }

            Assert.False(StunIntegrity.VerifyFingerprint(m), $"fingerprint survived a flip at {i}");
            if (i < miOffset + 24 && m.HasMessageIntegrity)
            {
                Assert.False(StunIntegrity.VerifyMessageIntegrity(m, ShortTermKey), $"MI survived a flip at {i}");
            }
        }
    }
}
