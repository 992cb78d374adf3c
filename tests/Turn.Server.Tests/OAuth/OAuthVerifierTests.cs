using System.Security.Cryptography;
using Turn.Server.Auth.OAuth;

namespace Turn.Server.Tests.OAuth;

public sealed class OAuthVerifierTests
{
    private const string Server = "turn.example.net";
    private const long Now = 1_800_000_000;

    private static readonly OAuthKey Key = new("kid-1", RandomNumberGenerator.GetBytes(32), OAuthAlgorithm.A256Gcm, timestamp: Now - 86400, lifetime: 7 * 86400, realm: "north.gov");

    private static byte[] Token(int macKeyLength = 20, long issued = Now - 10, uint lifetime = 600, OAuthKey? key = null, string server = Server) =>
        OAuthTokenCodec.Encrypt(key ?? Key, server, OAuthTokenContent.Create(Mac(macKeyLength), issued, lifetime));

    private static byte[] Mac(int length)
    {
        byte[] mac = new byte[length];
        for (int i = 0; i < length; i++)
        {
            mac[i] = (byte)(i + 1);
        }

        return mac;
    }

    private static OAuthKey? Lookup(string kid) => kid == Key.Kid ? Key : null;

    [Fact]
    public void AGoodTokenGivesItsMacKeyAndRemainingLifetime()
    {
        Assert.True(OAuthVerifier.TryGetSessionKey("kid-1", Token(), Server, Now, Lookup, out byte[] macKey, out uint lifetime, out string? error), error);
        Assert.Null(error);
        Assert.Equal(Mac(20), macKey);
        Assert.Equal(600u - 10 + 5, lifetime); // coturn's max_session_time: ts + lifetime + 5 - now
    }

    [Fact]
    public void Sha256SizedMacKeysAreAccepted()
    {
        Assert.True(OAuthVerifier.TryGetSessionKey("kid-1", Token(32), Server, Now, Key, out byte[] macKey, out _, out _));
        Assert.Equal(32, macKey.Length);
    }

    [Fact]
    public void ATokenWithoutLifetimeIsUnlimited()
    {
        Assert.True(OAuthVerifier.TryGetSessionKey("kid-1", Token(issued: 1000, lifetime: 0), Server, Now, Key, out _, out uint lifetime, out _));
        Assert.Equal(0u, lifetime);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(19)]
    [InlineData(21)]
    [InlineData(64)]
    public void OtherMacKeySizesAreRefused(int length)
    {
        Refused(Token(length), "kid-1", "MAC key");
    }

    [Fact]
    public void ExpiryUsesTheFiveSecondGrace()
    {
        byte[] token = Token(issued: Now - 600, lifetime: 600);
        Assert.True(OAuthVerifier.TryGetSessionKey("kid-1", token, Server, Now, Key, out _, out uint left, out _));
        Assert.Equal(5u, left);
        Assert.True(OAuthVerifier.TryGetSessionKey("kid-1", token, Server, Now + 4, Key, out _, out left, out _));
        Assert.Equal(1u, left);
        Assert.False(OAuthVerifier.TryGetSessionKey("kid-1", token, Server, Now + 5, Key, out byte[] macKey, out _, out string? error));
        Assert.Empty(macKey);
        Assert.Contains("too old", error, StringComparison.Ordinal);
    }

    [Fact]
    public void FutureTokensAreRefusedBeyondTheSkew()
    {
        Assert.True(OAuthVerifier.TryGetSessionKey("kid-1", Token(issued: Now + 5), Server, Now, Key, out _, out _, out _));
        Refused(Token(issued: Now + 6), "kid-1", "future");
        Assert.True(OAuthVerifier.TryGetSessionKey("kid-1", Token(issued: Now + 60), Server, Now, Key, 120, out _, out _, out _));
    }

    [Fact]
    public void UnknownOrMismatchedKidsAreRefused()
    {
        Refused(Token(), "kid-2", "unknown");
        Assert.False(OAuthVerifier.TryGetSessionKey("kid-2", Token(), Server, Now, Key, out _, out _, out string? error));
        Assert.Contains("unknown", error, StringComparison.Ordinal);
        Assert.False(OAuthVerifier.TryGetSessionKey("", Token(), Server, Now, Lookup, out _, out _, out _));
    }

    [Fact]
    public void AnExpiredKeyIsRefused()
    {
        var old = new OAuthKey("kid-1", new byte[32], OAuthAlgorithm.A256Gcm, timestamp: Now - 1000, lifetime: 100);
        Assert.False(OAuthVerifier.TryGetSessionKey("kid-1", Token(key: old), Server, Now, old, out _, out _, out string? error));
        Assert.Contains("expired", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TheWrongServerNameOrAnEmptyOneIsRefused()
    {
        Refused(Token(server: "other.example.net"), "kid-1", "decode");
        Assert.False(OAuthVerifier.TryGetSessionKey("kid-1", Token(), "", Now, Key, out _, out _, out string? error));
        Assert.Contains("server name", error, StringComparison.Ordinal);
    }

    [Fact]
    public void GarbageIsRefused()
    {
        Refused([], "kid-1", "empty");
        Refused([0, 12, 1, 2, 3], "kid-1", "decode");
        Refused(new byte[5000], "kid-1", "decode");
    }

    [Fact]
    public void ErrorsCarryNoSecrets()
    {
        byte[] token = Token(16);
        Assert.False(OAuthVerifier.TryGetSessionKey("kid-1", token, Server, Now, Key, out _, out _, out string? error));
        Assert.DoesNotContain(Convert.ToBase64String(Mac(16)), error, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(Key.AsRsKey), error, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidationHelpers()
    {
        var content = OAuthTokenContent.Create(Mac(20), Now, 100);
        Assert.Equal(OAuthTokenStatus.Valid, OAuthTokenValidation.Check(content, Now));
        Assert.Equal(OAuthTokenStatus.Valid, OAuthTokenValidation.Check(content, Now - 5));
        Assert.Equal(OAuthTokenStatus.NotYetValid, OAuthTokenValidation.Check(content, Now - 6));
        Assert.Equal(OAuthTokenStatus.Valid, OAuthTokenValidation.Check(content, Now + 104));
        Assert.Equal(OAuthTokenStatus.Expired, OAuthTokenValidation.Check(content, Now + 105));
        Assert.Equal(OAuthTokenStatus.Expired, OAuthTokenValidation.Check(content, Now + 100, clockSkewSeconds: 0));
        Assert.Equal(105u, OAuthTokenValidation.RemainingSeconds(content, Now));
        Assert.Equal(OAuthTokenStatus.Valid, OAuthTokenValidation.Check(OAuthTokenContent.Create(Mac(20), 0, 0), Now));
        Assert.Equal(OAuthTokenStatus.NotYetValid, OAuthTokenValidation.Check(new OAuthTokenContent(Mac(20), ulong.MaxValue, 0), Now));
    }

    private static void Refused(byte[] token, string kid, string reasonFragment)
    {
        Assert.False(OAuthVerifier.TryGetSessionKey(kid, token, Server, Now, Lookup, out byte[] macKey, out uint lifetime, out string? error));
        Assert.Empty(macKey);
        Assert.Equal(0u, lifetime);
        Assert.Contains(reasonFragment, error, StringComparison.OrdinalIgnoreCase);
    }
}
