using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Turn.Server.Auth.OAuth;

namespace Turn.Server.Tests.OAuth;

public sealed class OAuthTokenCodecTests
{
    // The sample inputs of RFC 7635 Appendix B, as coturn's own check (rfc5769check.c check_oauth) uses them.
    internal const string SampleServerName = "blackdow.carleon.gov";
    internal const string SampleKid = "2783466234";
    internal static readonly byte[] SampleLongTermKey = Encoding.ASCII.GetBytes("HGkj32KJGiuy098sdfaqbNjOiaz71923");
    internal static readonly byte[] SampleMacKey = Encoding.ASCII.GetBytes("ZksjpweoixXmvn67534m");
    internal static readonly byte[] SampleNonce = Encoding.ASCII.GetBytes("h4j3k2l2n4b5");
    internal const ulong SampleTimestamp = 92470300704768; // 1410984813 s (2014-09-17) << 16
    internal const uint SampleLifetime = 3600;

    // What coturn 4.6.1's turnutils_oauth -e prints for those inputs (-o aDRqM2sybDJuNGI1); an independent
    // AES-GCM (Python cryptography) gives the same bytes.
    internal const string SampleTokenA256 = "AAxoNGozazJsMm40YjVhfvE0o9XkTpoZzH3BBLDAPQOypVHY/fXNO23KbxDPt35bLd7ITSk6XFBJk1nwwuJvdg==";
    internal const string SampleTokenA128 = "AAxoNGozazJsMm40YjV/uemfCCe+PfHhvWUUk9MDHTbfVweXhK7l6stl+tTyf6saP5eXS2n4UbJL9a8J7aNX4A==";

    // coturn's examples/scripts/oauth.sh token (A256GCM, server example.com, ikm "HGkj…1923").
    private const string CoturnExampleToken = "AAy1JBYVLo16iq9gFdHyyknmx5T/Lq9YlbxgUdLcStOFS0H8xhHceHOL2f49qxp4uBpGuuLeLqk+RcAa5uP2EQ==";

    internal static OAuthKey SampleKey(OAuthAlgorithm algorithm) =>
        new(SampleKid, SampleLongTermKey.AsSpan(0, OAuthAlgorithms.KeyLength(algorithm)), algorithm, 1234567890, 3600);

    [Theory]
    [InlineData(OAuthAlgorithm.A256Gcm, SampleTokenA256)]
    [InlineData(OAuthAlgorithm.A128Gcm, SampleTokenA128)]
    public void AppendixBSampleDecrypts(OAuthAlgorithm algorithm, string token)
    {
        Assert.True(OAuthTokenCodec.TryDecrypt(Convert.FromBase64String(token), SampleKey(algorithm), SampleServerName, out OAuthTokenContent? content, out OAuthTokenError error));
        Assert.Equal(OAuthTokenError.None, error);
        Assert.Equal(SampleMacKey, content.MacKey.ToArray());
        Assert.Equal(SampleTimestamp, content.Timestamp);
        Assert.Equal(1410984813L, content.TimestampSeconds);
        Assert.Equal(0, content.TimestampFraction);
        Assert.Equal(SampleLifetime, content.Lifetime);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1410984813), content.IssuedAt);
    }

    [Theory]
    [InlineData(OAuthAlgorithm.A256Gcm, SampleTokenA256)]
    [InlineData(OAuthAlgorithm.A128Gcm, SampleTokenA128)]
    public void AppendixBSampleEncryptsToTheSameBytesAsCoturn(OAuthAlgorithm algorithm, string token)
    {
        byte[] made = OAuthTokenCodec.Encrypt(SampleKey(algorithm), SampleServerName, new OAuthTokenContent(SampleMacKey, SampleTimestamp, SampleLifetime), SampleNonce);
        Assert.Equal(token, Convert.ToBase64String(made));
        Assert.Equal(OAuthTokenCodec.GetTokenLength(SampleMacKey.Length), made.Length);
        Assert.Equal(64, made.Length); // 2 + 12 + (2 + 20 + 8 + 4) + 16
    }

    [Fact]
    public void CoturnExampleScriptTokenDecrypts()
    {
        Assert.True(OAuthKey.TryCreate("1234", "SEdrajMyS0pHaXV5MDk4c2RmYXFiTmpPaWF6NzE5MjM=", "", 249213600, 21600, null, out OAuthKey? key, out _));
        Assert.True(OAuthTokenCodec.TryDecrypt(Convert.FromBase64String(CoturnExampleToken), key!, "example.com", out OAuthTokenContent? content));
        Assert.Equal(SampleMacKey, content.MacKey.ToArray());
        Assert.Equal(249231600UL << 16, content.Timestamp);
        Assert.Equal(3600u, content.Lifetime);
    }

    [Theory]
    [InlineData(OAuthAlgorithm.A256Gcm, 20)]
    [InlineData(OAuthAlgorithm.A256Gcm, 32)]
    [InlineData(OAuthAlgorithm.A256Gcm, 1)]
    [InlineData(OAuthAlgorithm.A256Gcm, OAuthTokenCodec.MaxMacKeyLength)]
    [InlineData(OAuthAlgorithm.A128Gcm, 20)]
    [InlineData(OAuthAlgorithm.A128Gcm, 32)]
    [InlineData(OAuthAlgorithm.A128Gcm, 64)]
    public void RoundTrips(OAuthAlgorithm algorithm, int macKeyLength)
    {
        OAuthKey key = RandomKey(algorithm);
        byte[] macKey = RandomNumberGenerator.GetBytes(macKeyLength);
        var issued = new DateTimeOffset(2026, 3, 4, 5, 6, 7, 500, TimeSpan.Zero);
        OAuthTokenContent original = OAuthTokenContent.Create(macKey, issued, 600);

        byte[] token = OAuthTokenCodec.Encrypt(key, "turn.example.net", original);

        Assert.Equal(OAuthTokenCodec.GetTokenLength(macKeyLength), token.Length);
        Assert.Equal(OAuthTokenCodec.NonceLength, BinaryPrimitives.ReadUInt16BigEndian(token));
        Assert.True(OAuthTokenCodec.TryDecrypt(token, key, "turn.example.net", out OAuthTokenContent? back));
        Assert.Equal(macKey, back.MacKey.ToArray());
        Assert.Equal(original.Timestamp, back.Timestamp);
        Assert.Equal(600u, back.Lifetime);
        Assert.Equal(issued.ToUnixTimeSeconds(), back.TimestampSeconds);
        Assert.Equal(32000, back.TimestampFraction); // half a second in 1/64000 s
    }

    [Fact]
    public void RandomNoncesDifferAndBothDecrypt()
    {
        OAuthKey key = RandomKey(OAuthAlgorithm.A256Gcm);
        var content = new OAuthTokenContent(SampleMacKey, SampleTimestamp, SampleLifetime);
        byte[] a = OAuthTokenCodec.Encrypt(key, "s", content);
        byte[] b = OAuthTokenCodec.Encrypt(key, "s", content);
        Assert.NotEqual(a.AsSpan(2, 12).ToArray(), b.AsSpan(2, 12).ToArray());
        Assert.True(OAuthTokenCodec.TryDecrypt(a, key, "s", out _));
        Assert.True(OAuthTokenCodec.TryDecrypt(b, key, "s", out _));
    }

    [Fact]
    public void TheServerNameIsAuthenticated()
    {
        OAuthKey key = SampleKey(OAuthAlgorithm.A256Gcm);
        byte[] token = Convert.FromBase64String(SampleTokenA256);
        Assert.False(OAuthTokenCodec.TryDecrypt(token, key, "blackdow.carleon.go", out _, out OAuthTokenError e1));
        Assert.Equal(OAuthTokenError.IntegrityCheckFailed, e1);
        Assert.False(OAuthTokenCodec.TryDecrypt(token, key, "blackdow.carleon.gov\0", out _, out _));
        Assert.False(OAuthTokenCodec.TryDecrypt(token, key, "", out _, out _));
    }

    [Fact]
    public void TheWrongKeyOrAlgorithmFails()
    {
        byte[] token = Convert.FromBase64String(SampleTokenA256);
        Assert.False(OAuthTokenCodec.TryDecrypt(token, SampleKey(OAuthAlgorithm.A128Gcm), SampleServerName, out _, out OAuthTokenError e));
        Assert.Equal(OAuthTokenError.IntegrityCheckFailed, e);
        Assert.False(OAuthTokenCodec.TryDecrypt(token, RandomKey(OAuthAlgorithm.A256Gcm), SampleServerName, out _));
    }

    [Fact]
    public void MalformedTokensFailWithTheRightReason()
    {
        OAuthKey key = SampleKey(OAuthAlgorithm.A256Gcm);
        byte[] good = Convert.FromBase64String(SampleTokenA256);
        int minimum = 2 + 12 + OAuthTokenCodec.MinPlaintextLength + 16;

        Expect(OAuthTokenError.TooShort, []);
        Expect(OAuthTokenError.TooShort, [0x00]);
        Expect(OAuthTokenError.BadNonceLength, [0x00, 0x00]);
        Expect(OAuthTokenError.BadNonceLength, WithNonceLength(good, 0));
        Expect(OAuthTokenError.BadNonceLength, WithNonceLength(good, 11));
        Expect(OAuthTokenError.BadNonceLength, WithNonceLength(good, 13));
        Expect(OAuthTokenError.BadNonceLength, WithNonceLength(good, 0xFFFF)); // coturn's pre-auth overflow
        Expect(OAuthTokenError.BadNonceLength, WithNonceLength(good.AsSpan(0, 40).ToArray(), 1000));
        Expect(OAuthTokenError.Truncated, [0x00, 0x0C]);
        Expect(OAuthTokenError.Truncated, good.AsSpan(0, 13).ToArray()); // nonce cut short
        Expect(OAuthTokenError.Truncated, good.AsSpan(0, 14).ToArray()); // nonce only
        Expect(OAuthTokenError.Truncated, good.AsSpan(0, 14 + 16).ToArray()); // nonce + a tag's worth
        Expect(OAuthTokenError.Truncated, new byte[minimum - 1].Also(b => b[1] = 12));
        Expect(OAuthTokenError.IntegrityCheckFailed, new byte[minimum].Also(b => b[1] = 12));
        Expect(OAuthTokenError.IntegrityCheckFailed, good.AsSpan(0, good.Length - 1).ToArray());
        Expect(OAuthTokenError.IntegrityCheckFailed, [.. good, 0]);
        Expect(OAuthTokenError.TooLong, new byte[OAuthTokenCodec.MaxTokenLength + 1].Also(b => b[1] = 12));
        Expect(OAuthTokenError.TooLong, new byte[70000].Also(b => b[1] = 12));

        void Expect(OAuthTokenError expected, byte[] token)
        {
            Assert.False(OAuthTokenCodec.TryDecrypt(token, key, SampleServerName, out OAuthTokenContent? content, out OAuthTokenError error));
            Assert.Null(content);
            Assert.Equal(expected, error);
        }
    }

    [Fact]
    public void AuthenticBlocksWithBadLengthsAreRefused()
    {
        // Tokens sealed with the right key (so only the AS could make them) but with lying inner lengths:
        // coturn copied key_length bytes into a 128-byte buffer whatever the block held.
        OAuthKey key = SampleKey(OAuthAlgorithm.A256Gcm);

        Expect(OAuthTokenError.BadPlaintext, Block(0xFFFF, 20));
        Expect(OAuthTokenError.BadPlaintext, Block(21, 20)); // key_length one past the key
        Expect(OAuthTokenError.BadPlaintext, Block(19, 20)); // a byte left over
        Expect(OAuthTokenError.BadPlaintext, Block(20, 20, trailer: 11)); // lifetime cut short
        Expect(OAuthTokenError.BadPlaintext, Block(20, 20, trailer: 13));
        Expect(OAuthTokenError.BadPlaintext, Block(0, 0, trailer: 13)); // smallest block (15 bytes) with key_length 0
        Expect(OAuthTokenError.MacKeyTooLong, Block(129, 129));
        Expect(OAuthTokenError.MacKeyTooLong, Block(980, 980)); // as long as a 1024-byte token allows
        Assert.True(OAuthTokenCodec.TryDecrypt(Seal(key, Block(128, 128)), key, SampleServerName, out _));

        // A block with key_length 0 and no key (14 bytes) is already too short to be a token.
        Assert.False(OAuthTokenCodec.TryDecrypt(Seal(key, Block(0, 0)), key, SampleServerName, out _, out OAuthTokenError tooShort));
        Assert.Equal(OAuthTokenError.Truncated, tooShort);

        void Expect(OAuthTokenError expected, byte[] plaintext)
        {
            Assert.False(OAuthTokenCodec.TryDecrypt(Seal(key, plaintext), key, SampleServerName, out OAuthTokenContent? content, out OAuthTokenError error));
            Assert.Null(content);
            Assert.Equal(expected, error);
        }
    }

    [Fact]
    public void EncryptRefusesBadArguments()
    {
        OAuthKey key = SampleKey(OAuthAlgorithm.A256Gcm);
        var content = new OAuthTokenContent(SampleMacKey, 0, 0);
        Assert.Throws<ArgumentException>(() => OAuthTokenCodec.Encrypt(key, "s", content, new byte[11]));
        Assert.Throws<ArgumentException>(() => OAuthTokenCodec.Encrypt(key, "s", content, new byte[16]));
        Assert.Throws<ArgumentException>(() => OAuthTokenCodec.Encrypt(key, "s", new OAuthTokenContent([], 0, 0)));
        Assert.Throws<ArgumentException>(() => OAuthTokenCodec.Encrypt(key, "s", new OAuthTokenContent(new byte[129], 0, 0)));
    }

    [Fact]
    public void ContentNeverPrintsTheMacKey()
    {
        var content = new OAuthTokenContent(SampleMacKey, SampleTimestamp, SampleLifetime);
        Assert.DoesNotContain("Zksj", content.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("HGkj", SampleKey(OAuthAlgorithm.A256Gcm).ToString(), StringComparison.Ordinal);
    }

    /// <summary>key_length field, then <paramref name="keyBytes"/> key bytes, then <paramref name="trailer"/> more bytes (12 = timestamp + lifetime).</summary>
    internal static byte[] Block(int keyLengthField, int keyBytes, int trailer = 12)
    {
        byte[] block = new byte[2 + keyBytes + trailer];
        BinaryPrimitives.WriteUInt16BigEndian(block, (ushort)keyLengthField);
        RandomNumberGenerator.Fill(block.AsSpan(2));
        return block;
    }

    /// <summary>A token around an arbitrary plaintext, sealed as coturn would.</summary>
    internal static byte[] Seal(OAuthKey key, byte[] plaintext, string serverName = SampleServerName)
    {
        byte[] nonce = RandomNumberGenerator.GetBytes(12);
        byte[] token = new byte[2 + 12 + plaintext.Length + 16];
        BinaryPrimitives.WriteUInt16BigEndian(token, 12);
        nonce.CopyTo(token, 2);
        using var gcm = new AesGcm(key.AsRsKey, 16);
        gcm.Encrypt(nonce, plaintext, token.AsSpan(14, plaintext.Length), token.AsSpan(14 + plaintext.Length), Encoding.UTF8.GetBytes(serverName));
        return token;
    }

    internal static OAuthKey RandomKey(OAuthAlgorithm algorithm) =>
        new("kid", RandomNumberGenerator.GetBytes(OAuthAlgorithms.KeyLength(algorithm)), algorithm);

    private static byte[] WithNonceLength(byte[] token, int nonceLength)
    {
        byte[] copy = (byte[])token.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(copy, (ushort)nonceLength);
        return copy;
    }
}

internal static class ByteArrayTestExtensions
{
    public static byte[] Also(this byte[] bytes, Action<byte[]> change)
    {
        change(bytes);
        return bytes;
    }
}
