using System.Text;
using Turn.Server.Auth.OAuth;

namespace Turn.Server.Tests.OAuth;

public sealed class OAuthKeyTests
{
    [Fact]
    public void CoturnTestRowsGiveTheFirstKeyLengthBytesOfTheIkm()
    {
        // coturn's testsqldbsetup.sql rows: the ikm_keys end in '\n' and are longer than the AES key.
        Assert.True(OAuthKey.TryCreate("north", "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEK", "A256GCM", 0, 0, "crinna.org", out OAuthKey? north, out string? error), error);
        Assert.Equal("01234567890123456789012345678901"u8.ToArray(), north!.AsRsKey.ToArray());
        Assert.Equal(OAuthAlgorithm.A256Gcm, north.Algorithm);
        Assert.Equal("crinna.org", north.Realm);

        Assert.True(OAuthKey.TryCreate("union", "MTIzNDU2Nzg5MDEyMzQ1Ngo=", "A128GCM", 0, 0, "north.gov", out OAuthKey? union, out _));
        Assert.Equal("1234567890123456"u8.ToArray(), union!.AsRsKey.ToArray());
        Assert.Equal(OAuthAlgorithm.A128Gcm, union.Algorithm);

        Assert.True(OAuthKey.TryCreate("oldempire", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIK", "A256GCM", 0, 0, "", out OAuthKey? oldempire, out _));
        Assert.Equal("12345678901234567890123456789012"u8.ToArray(), oldempire!.AsRsKey.ToArray());
        Assert.Equal(string.Empty, oldempire.Realm);
    }

    [Fact]
    public void AShortIkmIsZeroPaddedAsInCoturn()
    {
        Assert.True(OAuthKey.TryCreate("k", Convert.ToBase64String("short"u8), "A256GCM", 0, 0, null, out OAuthKey? key, out _));
        byte[] expected = new byte[32];
        "short"u8.CopyTo(expected);
        Assert.Equal(expected, key!.AsRsKey.ToArray());
    }

    [Theory]
    [InlineData("A256GCM", OAuthAlgorithm.A256Gcm)]
    [InlineData("a256gcm", OAuthAlgorithm.A256Gcm)]
    [InlineData("A128GCM", OAuthAlgorithm.A128Gcm)]
    [InlineData("  a128gcm", OAuthAlgorithm.A128Gcm)]
    [InlineData("A128GCM trailing words", OAuthAlgorithm.A128Gcm)]
    [InlineData("", OAuthAlgorithm.A256Gcm)]
    [InlineData("   ", OAuthAlgorithm.A256Gcm)]
    [InlineData(null, OAuthAlgorithm.A256Gcm)]
    public void AlgorithmNamesParseAsInCoturn(string? name, OAuthAlgorithm expected)
    {
        Assert.True(OAuthAlgorithms.TryParse(name, out OAuthAlgorithm algorithm));
        Assert.Equal(expected, algorithm);
    }

    [Theory]
    [InlineData("A512GCM")]
    [InlineData("A256_GCM")]
    [InlineData("AES256GCM")]
    [InlineData("A256CBC")]
    [InlineData("HS256")]
    public void UnknownAlgorithmsAreRefused(string name)
    {
        Assert.False(OAuthAlgorithms.TryParse(name, out _));
        Assert.False(OAuthKey.TryCreate("k", "MTIzNDU2Nzg5MDEyMzQ1Ngo=", name, 0, 0, null, out OAuthKey? key, out string? error));
        Assert.Null(key);
        Assert.Contains("algorithm", error, StringComparison.Ordinal);
    }

    [Fact]
    public void NormalizeIsCoturns()
    {
        Assert.Equal("A128-GCM", OAuthAlgorithms.Normalize(" a128_gcm x"));
        Assert.Equal("   ", OAuthAlgorithms.Normalize("   "));
        Assert.Equal("A256GCM", OAuthAlgorithms.Name(OAuthAlgorithm.A256Gcm));
        Assert.Equal("A128GCM", OAuthAlgorithms.Name(OAuthAlgorithm.A128Gcm));
        Assert.Equal(32, OAuthAlgorithms.KeyLength(OAuthAlgorithm.A256Gcm));
        Assert.Equal(16, OAuthAlgorithms.KeyLength(OAuthAlgorithm.A128Gcm));
    }

    [Theory]
    [InlineData("", "MTIzNDU2Nzg5MDEyMzQ1Ngo=")]
    [InlineData("   ", "MTIzNDU2Nzg5MDEyMzQ1Ngo=")]
    [InlineData("k", "")]
    [InlineData("k", "not base64!")]
    [InlineData("k", "====")]
    public void BadRowsAreRefusedWithAReason(string kid, string ikm)
    {
        Assert.False(OAuthKey.TryCreate(kid, ikm, "A256GCM", 0, 0, null, out OAuthKey? key, out string? error));
        Assert.Null(key);
        Assert.False(string.IsNullOrEmpty(error));
        Assert.DoesNotContain(ikm.Length > 4 ? ikm : "\u0000", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOverlongIkmIsRefused()
    {
        string ikm = Convert.ToBase64String(new byte[OAuthKey.MaxIkmKeyLength + 1]);
        Assert.False(OAuthKey.TryCreate("k", ikm, "A256GCM", 0, 0, null, out _, out _));
        Assert.True(OAuthKey.TryCreate("k", Convert.ToBase64String(new byte[OAuthKey.MaxIkmKeyLength]), "A256GCM", 0, 0, null, out _, out _));
    }

    [Fact]
    public void TheConstructorChecksTheKeyLength()
    {
        Assert.Throws<ArgumentException>(() => new OAuthKey("k", new byte[16], OAuthAlgorithm.A256Gcm));
        Assert.Throws<ArgumentException>(() => new OAuthKey("k", new byte[32], OAuthAlgorithm.A128Gcm));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OAuthKey("k", new byte[32], (OAuthAlgorithm)7));
    }

    [Fact]
    public void KeyLifetimeFollowsCoturn()
    {
        var forever = new OAuthKey("k", new byte[32], OAuthAlgorithm.A256Gcm, timestamp: 1000, lifetime: 0);
        Assert.True(forever.IsUsableAt(long.MaxValue / 2));

        // Usable until timestamp + lifetime + 5 s (OAUTH_TIME_DELTA), exclusive.
        var key = new OAuthKey("k", new byte[32], OAuthAlgorithm.A256Gcm, timestamp: 1000, lifetime: 100);
        Assert.True(key.IsUsableAt(0));
        Assert.True(key.IsUsableAt(1104));
        Assert.False(key.IsUsableAt(1105));
        Assert.True(key.IsUsableAt(1199, clockSkewSeconds: 100));
        Assert.False(key.IsUsableAt(1100, clockSkewSeconds: 0));

        // No timestamp with a lifetime: expired long ago, as in coturn.
        Assert.False(new OAuthKey("k", new byte[32], OAuthAlgorithm.A256Gcm, 0, 3600).IsUsableAt(1_800_000_000));

        var huge = new OAuthKey("k", new byte[32], OAuthAlgorithm.A256Gcm, ulong.MaxValue, uint.MaxValue);
        Assert.True(huge.IsUsableAt(1_800_000_000));
    }

    [Fact]
    public void ToStringLeaksNoKey()
    {
        Assert.True(OAuthKey.TryCreate("kid1", Convert.ToBase64String(Encoding.ASCII.GetBytes("SECRETSECRETSECRETSECRETSECRET12")), "A256GCM", 5, 6, "r", out OAuthKey? key, out _));
        string text = key!.ToString();
        Assert.Contains("kid1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", text, StringComparison.Ordinal);
        Assert.DoesNotContain("U0VDUkVU", text, StringComparison.Ordinal);
    }
}
