using System.Security.Cryptography;
using System.Text;
using Turn.Protocol.TestVectors;

namespace Turn.Protocol.Tests;

/// <summary>
/// RFC 8489 Appendix B.1. The published vector is wrong (erratum 6268): its length field is 0x9c for a
/// 156-byte message (should be 0x88 without, 0x90 with PASSWORD-ALGORITHM), PASSWORD-ALGORITHM is missing,
/// and its MESSAGE-INTEGRITY-SHA256 does not verify. We verify the corrected vector fully, and check of the
/// published one only what is right in it (USERHASH) and that it is rejected.
/// </summary>
public class Rfc8489VectorTests
{
    private static byte[] Key => StunKeys.LongTermSha256(Rfc8489Vectors.Username, Rfc8489Vectors.Realm, Rfc8489Vectors.Password);

    [Fact]
    public void Corrected_vector_parses_and_verifies()
    {
        StunMessage m = TestHelpers.ParseOk(Rfc8489Vectors.CorrectedRequest);
        Assert.True(m.HasMessageIntegritySha256);
        Assert.False(m.HasMessageIntegrity);
        Assert.False(m.HasUnknownComprehensionRequired);

        Assert.True(StunAttributeReader.TryReadUserHash(TestHelpers.Attribute(m, StunAttributeType.UserHash), out ReadOnlySpan<byte> hash));
        Assert.True(hash.SequenceEqual(StunKeys.UserHash(Rfc8489Vectors.Username, Rfc8489Vectors.Realm)));
        Assert.True(hash.SequenceEqual(SHA256.HashData(Encoding.UTF8.GetBytes("マトリックス:example.org"))));

        Assert.True(StunAttributeReader.TryReadPasswordAlgorithm(TestHelpers.Attribute(m, StunAttributeType.PasswordAlgorithm),
            out StunPasswordAlgorithm algorithm, out ReadOnlySpan<byte> parameters));
        Assert.Equal(StunPasswordAlgorithm.Sha256, algorithm);
        Assert.True(parameters.IsEmpty);

        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes("マトリックス:example.org:TheMatrIX")), Key);
        Assert.True(StunIntegrity.VerifyMessageIntegritySha256(m, Key));
        Assert.False(StunIntegrity.VerifyMessageIntegritySha256(m, StunKeys.LongTermMd5(Rfc8489Vectors.Username, Rfc8489Vectors.Realm, Rfc8489Vectors.Password)));
        Assert.False(StunIntegrity.VerifyMessageIntegrity(m, Key));
    }

    [Fact]
    public void Corrected_vector_is_recreated_byte_for_byte()
    {
        var buffer = new byte[512];
        var w = new StunMessageWriter(buffer);
        w.WriteHeader(StunMethod.Binding, StunClass.Request, Rfc8489Vectors.TransactionId);
        w.AddUserHash(StunKeys.UserHash(Rfc8489Vectors.Username, Rfc8489Vectors.Realm));
        w.AddNonce(Rfc8489Vectors.Nonce);
        w.AddRealm(Rfc8489Vectors.Realm);
        w.AddPasswordAlgorithm(StunPasswordAlgorithm.Sha256);
        w.AddMessageIntegritySha256(Key);
        Assert.Equal(Rfc8489Vectors.CorrectedRequest.ToArray(), w.Written.ToArray());
    }

    [Fact]
    public void Published_vector_is_malformed_and_its_hmac_matches_no_reading()
    {
        byte[] published = Rfc8489Vectors.PublishedRequest.ToArray();
        Assert.Equal(156, published.Length);
        Assert.Equal(StunParseStatus.Malformed, StunMessage.TryParse(published, out _));

        // Fix only the length field (0x88 = 156 - 20): it parses, the USERHASH is right, but the HMAC is not
        // the one of the SHA-256 key (nor of the MD5 key).
        published[3] = 0x88;
        StunMessage m = TestHelpers.ParseOk(published);
        Assert.True(TestHelpers.Attribute(m, StunAttributeType.UserHash).SequenceEqual(Rfc8489Vectors.UserHash));
        Assert.False(StunIntegrity.VerifyMessageIntegritySha256(m, Key));
        Assert.False(StunIntegrity.VerifyMessageIntegritySha256(m, StunKeys.LongTermMd5(Rfc8489Vectors.Username, Rfc8489Vectors.Realm, Rfc8489Vectors.Password)));
    }

    [Fact]
    public void The_appendix_password_before_preparation_is_not_an_opaque_string()
    {
        // RFC 8489 B.1 says "The<U+00AD>M<U+00AA>tr<U+2168>" becomes "TheMatrIX" under OpaqueString; that is
        // SASLprep's mapping. OpaqueString rejects U+00AD (default-ignorable) and would keep ª and Ⅸ.
        Assert.False(OpaqueString.TryPrepare("The\u00ADM\u00AAtr\u2168", out _));
        Assert.True(OpaqueString.TryPrepare("TheM\u00AAtr\u2168", out string? kept));
        Assert.Equal("TheM\u00AAtr\u2168", kept);
    }
}
