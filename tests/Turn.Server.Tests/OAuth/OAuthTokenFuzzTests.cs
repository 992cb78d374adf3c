using System.Buffers.Binary;
using Turn.Server.Auth.OAuth;

namespace Turn.Server.Tests.OAuth;

/// <summary>
/// Mutated and random tokens: every one that differs from a real token must be refused, and none may throw
/// (coturn's decoder trusted nonce_length and key_length and could be driven out of bounds).
/// </summary>
public sealed class OAuthTokenFuzzTests
{
    private const int Mutations = 120_000;

    [Theory]
    [InlineData(OAuthAlgorithm.A256Gcm, 7635)]
    [InlineData(OAuthAlgorithm.A128Gcm, 5389)]
    public void MutatedTokensAreAllRefusedWithoutExceptions(OAuthAlgorithm algorithm, int seed)
    {
        var random = new Random(seed);
        OAuthKey key = OAuthTokenCodecTests.SampleKey(algorithm);
        byte[][] originals =
        [
            Convert.FromBase64String(algorithm == OAuthAlgorithm.A256Gcm ? OAuthTokenCodecTests.SampleTokenA256 : OAuthTokenCodecTests.SampleTokenA128),
            OAuthTokenCodec.Encrypt(key, OAuthTokenCodecTests.SampleServerName, new OAuthTokenContent(new byte[32], ulong.MaxValue, uint.MaxValue)),
            OAuthTokenCodec.Encrypt(key, OAuthTokenCodecTests.SampleServerName, new OAuthTokenContent(new byte[1], 0, 0)),
            OAuthTokenCodec.Encrypt(key, OAuthTokenCodecTests.SampleServerName, new OAuthTokenContent(new byte[OAuthTokenCodec.MaxMacKeyLength], 1, 1)),
        ];
        foreach (byte[] original in originals)
        {
            Assert.True(OAuthTokenCodec.TryDecrypt(original, key, OAuthTokenCodecTests.SampleServerName, out _));
        }

        var reasons = new Dictionary<OAuthTokenError, int>();
        int tried = 0;
        while (tried < Mutations)
        {
            byte[] original = originals[random.Next(originals.Length)];
            byte[] mutant = Mutate(original, random);
            if (mutant.AsSpan().SequenceEqual(original))
            {
                continue;
            }

            tried++;
            bool ok;
            OAuthTokenContent? content;
            OAuthTokenError error;
            try
            {
                ok = OAuthTokenCodec.TryDecrypt(mutant, key, OAuthTokenCodecTests.SampleServerName, out content, out error);
            }
            catch (Exception e)
            {
                Assert.Fail($"exception {e.GetType().Name} for mutant {Convert.ToHexString(mutant)}: {e.Message}");
                return;
            }

            Assert.False(ok, "accepted mutant " + Convert.ToHexString(mutant));
            Assert.Null(content);
            Assert.NotEqual(OAuthTokenError.None, error);
            reasons[error] = reasons.GetValueOrDefault(error) + 1;
        }

        // Every layer was reached: the length checks and the AES-GCM tag check.
        Assert.True(reasons.GetValueOrDefault(OAuthTokenError.BadNonceLength) > 1000);
        Assert.True(reasons.GetValueOrDefault(OAuthTokenError.Truncated) > 1000);
        Assert.True(reasons.GetValueOrDefault(OAuthTokenError.IntegrityCheckFailed) > 10_000);
        Assert.True(reasons.GetValueOrDefault(OAuthTokenError.TooShort) > 0);
        Assert.True(reasons.GetValueOrDefault(OAuthTokenError.TooLong) > 0);
    }

    [Fact]
    public void AuthenticRandomBlocksNeverThrowAndParseOnlyWhenWellFormed()
    {
        // Blocks that pass the tag check (sealed with the real key) but hold arbitrary bytes.
        var random = new Random(8489);
        OAuthKey key = OAuthTokenCodecTests.SampleKey(OAuthAlgorithm.A256Gcm);
        int accepted = 0;
        for (int i = 0; i < 20_000; i++)
        {
            int length = random.Next(OAuthTokenCodec.MinPlaintextLength, 200);
            byte[] block = new byte[length];
            random.NextBytes(block);
            int keyLength = random.Next(4) switch
            {
                0 => length - 14, // consistent
                1 => length - 14 + random.Next(-3, 4), // off by a little
                2 => random.Next(0, 0x10000), // anything
                _ => BinaryPrimitives.ReadUInt16BigEndian(block),
            };
            BinaryPrimitives.WriteUInt16BigEndian(block, (ushort)Math.Clamp(keyLength, 0, 0xFFFF));
            int field = BinaryPrimitives.ReadUInt16BigEndian(block);
            bool wellFormed = field == length - 14 && field is >= 1 and <= OAuthTokenCodec.MaxMacKeyLength;

            byte[] token = OAuthTokenCodecTests.Seal(key, block);
            bool ok = OAuthTokenCodec.TryDecrypt(token, key, OAuthTokenCodecTests.SampleServerName, out OAuthTokenContent? content, out OAuthTokenError error);

            Assert.Equal(wellFormed, ok);
            if (ok)
            {
                accepted++;
                Assert.Equal(block.AsSpan(2, field).ToArray(), content!.MacKey.ToArray());
                Assert.Equal(BinaryPrimitives.ReadUInt64BigEndian(block.AsSpan(2 + field)), content.Timestamp);
                Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(block.AsSpan(2 + field + 8)), content.Lifetime);
            }
            else
            {
                Assert.True(error is OAuthTokenError.BadPlaintext or OAuthTokenError.MacKeyTooLong, error.ToString());
            }
        }

        Assert.True(accepted > 1000);
    }

    [Fact]
    public void RandomBytesAreRefused()
    {
        var random = new Random(7983);
        OAuthKey key = OAuthTokenCodecTests.SampleKey(OAuthAlgorithm.A128Gcm);
        for (int i = 0; i < 10_000; i++)
        {
            byte[] junk = new byte[random.Next(0, 1100)];
            random.NextBytes(junk);
            if (junk.Length >= 2 && random.Next(2) == 0)
            {
                BinaryPrimitives.WriteUInt16BigEndian(junk, 12);
            }

            Assert.False(OAuthTokenCodec.TryDecrypt(junk, key, OAuthTokenCodecTests.SampleServerName, out _));
        }
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        byte[] t = (byte[])original.Clone();
        switch (random.Next(9))
        {
            case 0: // flip 1-3 bits anywhere
                for (int n = random.Next(1, 4); n > 0; n--)
                {
                    t[random.Next(t.Length)] ^= (byte)(1 << random.Next(8));
                }

                return t;
            case 1: // overwrite 1-4 bytes
                for (int n = random.Next(1, 5); n > 0; n--)
                {
                    t[random.Next(t.Length)] = (byte)random.Next(256);
                }

                return t;
            case 2: // truncate
                return t[..random.Next(0, t.Length)];
            case 3: // extend
                byte[] tail = new byte[random.Next(1, 40)];
                random.NextBytes(tail);
                return [.. t, .. tail];
            case 4: // any nonce_length, big values included
                BinaryPrimitives.WriteUInt16BigEndian(t, (ushort)(random.Next(2) == 0 ? random.Next(0, 40) : random.Next(0, 0x10000)));
                return t;
            case 5: // cut a range out of the middle
                int from = random.Next(t.Length);
                int count = random.Next(1, t.Length - from + 1);
                return [.. t.AsSpan(0, from), .. t.AsSpan(from + count)];
            case 6: // mutate the tag only
                t[t.Length - 1 - random.Next(16)] ^= (byte)random.Next(1, 256);
                return t;
            case 7: // far too long
                byte[] big = new byte[random.Next(OAuthTokenCodec.MaxTokenLength + 1, random.Next(8) == 0 ? 70_000 : 2048)];
                t.CopyTo(big, 0);
                return big;
            default: // random bytes behind a plausible header
                byte[] r = new byte[random.Next(0, 120)];
                random.NextBytes(r);
                if (r.Length >= 2)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(r, 12);
                }

                return r;
        }
    }
}
