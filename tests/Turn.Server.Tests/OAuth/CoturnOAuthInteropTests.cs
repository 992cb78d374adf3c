using System.Security.Cryptography;
using System.Text;
using Turn.Server.Auth.OAuth;

namespace Turn.Server.Tests.OAuth;

/// <summary>
/// Tokens cross between coturn 4.6.1's /usr/bin/turnutils_oauth and our codec and tool, both ways,
/// for both algorithms; and our tool prints what coturn's prints.
/// </summary>
public sealed class CoturnOAuthInteropTests
{
    private const string KeyTimestamp = "1700000000";
    private const string KeyLifetime = "86400";

    [Theory]
    [InlineData("A256GCM", OAuthAlgorithm.A256Gcm)]
    [InlineData("A128GCM", OAuthAlgorithm.A128Gcm)]
    public void CoturnTokensDecryptWithOurCodec(string algName, OAuthAlgorithm algorithm)
    {
        string coturn = OAuthTools.Coturn();
        for (int i = 0; i < 8; i++)
        {
            byte[] ikm = RandomNumberGenerator.GetBytes(32);
            byte[] mac = NonZeroBytes(20);
            string server = $"turn{i}.example.org";
            ulong timestamp = ((1_800_000_000UL + (uint)i) << 16) | (uint)(i * 1000);
            OAuthTools.Result r = OAuthTools.Run(
                coturn, "-e", "-i", server, "-j", "kid" + i, "-k", Convert.ToBase64String(ikm), "-l", KeyTimestamp, "-m", KeyLifetime,
                "-n", algName, "-p", Convert.ToBase64String(mac), "-q", timestamp.ToString(), "-r", "900");
            Assert.True(r.ExitCode == 0, r.Stderr);

            Assert.True(OAuthKey.TryCreate("kid" + i, Convert.ToBase64String(ikm), algName, 1_700_000_000, 86400, null, out OAuthKey? key, out _));
            Assert.Equal(algorithm, key!.Algorithm);
            byte[] token = Convert.FromBase64String(OAuthTools.AccessToken(r));
            Assert.True(OAuthTokenCodec.TryDecrypt(token, key, server, out OAuthTokenContent? content, out OAuthTokenError error), error.ToString());
            Assert.Equal(mac, content.MacKey.ToArray());
            Assert.Equal(timestamp, content.Timestamp);
            Assert.Equal(900u, content.Lifetime);

            Assert.False(OAuthTokenCodec.TryDecrypt(token, key, server + ".", out _));
        }
    }

    [Theory]
    [InlineData("A256GCM", OAuthAlgorithm.A256Gcm)]
    [InlineData("A128GCM", OAuthAlgorithm.A128Gcm)]
    public void OurCodecsTokensAreAcceptedByCoturn(string algName, OAuthAlgorithm algorithm)
    {
        string coturn = OAuthTools.Coturn();
        for (int i = 0; i < 8; i++)
        {
            byte[] ikm = RandomNumberGenerator.GetBytes(OAuthAlgorithms.KeyLength(algorithm));
            byte[] mac = NonZeroBytes(20);
            string server = $"relay{i}.example.com";
            var key = new OAuthKey("k" + i, ikm, algorithm);
            byte[] token = OAuthTokenCodec.Encrypt(key, server, OAuthTokenContent.Create(mac, 1_800_000_000L + i, 3600));

            OAuthTools.Result r = OAuthTools.Run(
                coturn, "-v", "-d", "-i", server, "-j", "k" + i, "-k", Convert.ToBase64String(ikm), "-l", KeyTimestamp, "-m", KeyLifetime,
                "-n", algName, "-t", Convert.ToBase64String(token));
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.StartsWith("-=Valid token!=-\n", r.Stdout, StringComparison.Ordinal);
            Assert.Contains("    mac key length: 20\n", r.Stdout, StringComparison.Ordinal);
            Assert.Contains($"        unixtime: {1_800_000_000L + i} ", r.Stdout, StringComparison.Ordinal);
            Assert.Contains("    lifetime: 3600\n", r.Stdout, StringComparison.Ordinal);
            Assert.Contains("    mac key: " + Encoding.Latin1.GetString(mac) + "\n", Encoding.Latin1.GetString(r.StdoutBytes), StringComparison.Ordinal);

            // And coturn refuses it under another server name.
            OAuthTools.Result wrong = OAuthTools.Run(
                coturn, "-d", "-i", server + "x", "-j", "k" + i, "-k", Convert.ToBase64String(ikm), "-l", KeyTimestamp, "-m", KeyLifetime,
                "-n", algName, "-t", Convert.ToBase64String(token));
            Assert.Equal(255, wrong.ExitCode);
        }
    }

    [Theory]
    [InlineData("A256GCM")]
    [InlineData("A128GCM")]
    public void OurToolAndCoturnsAcceptEachOthersTokens(string algName)
    {
        string coturn = OAuthTools.Coturn();
        string ours = OAuthTools.Ours();
        for (int i = 0; i < 4; i++)
        {
            string[] keyArgs = ["-i", "oauth.example.net", "-j", "north" + i, "-k", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), "-l", KeyTimestamp, "-m", KeyLifetime, "-n", algName];
            string mac = Convert.ToBase64String(NonZeroBytes(20));

            string fromOurs = OAuthTools.AccessToken(OAuthTools.Run(ours, ["-e", .. keyArgs, "-p", mac]));
            OAuthTools.Result byCoturn = OAuthTools.Run(coturn, ["-d", .. keyArgs, "-t", fromOurs]);
            Assert.True(byCoturn.ExitCode == 0, byCoturn.Stderr);
            Assert.Equal("-=Valid token!=-\n", byCoturn.Stdout);

            string fromCoturn = OAuthTools.AccessToken(OAuthTools.Run(coturn, ["-e", .. keyArgs, "-p", mac]));
            OAuthTools.Result byOurs = OAuthTools.Run(ours, ["-v", "-d", .. keyArgs, "-t", fromCoturn]);
            OAuthTools.Result byCoturnToo = OAuthTools.Run(coturn, ["-v", "-d", .. keyArgs, "-t", fromCoturn]);
            Assert.True(byOurs.ExitCode == 0, byOurs.Stderr);
            Assert.Equal(byCoturnToo.StdoutBytes, byOurs.StdoutBytes);
        }
    }

    public static TheoryData<string[]> SameOutputCases()
    {
        string[] key = ["-i", "example.com", "-j", "1234", "-k", "SEdrajMyS0pHaXV5MDk4c2RmYXFiTmpPaWF6NzE5MjM=", "-l", "249213600", "-m", "21600"];
        string[] token = ["-p", "WmtzanB3ZW9peFhtdm42NzUzNG0=", "-q", "16333642137600"];
        const string example = "AAy1JBYVLo16iq9gFdHyyknmx5T/Lq9YlbxgUdLcStOFS0H8xhHceHOL2f49qxp4uBpGuuLeLqk+RcAa5uP2EQ==";
        return new TheoryData<string[]>
        {
            // A nonce shorter than 12 bytes keeps coturn 4.6.1 clear of its "alg" overwrite.
            (string[])["-e", .. key, .. token, "-o", "aDRqM2sybDJu"],
            (string[])["-e", .. key, .. token, "-o", "aDRqM2sybDJu", "-n", "a128gcm", "-r", "0", "-u", "HMAC-SHA256"],
            (string[])["-v", "-d", "-e", .. key, .. token, "-o", "aDRq"],
            (string[])["-vde", .. key, .. token, "-o", "aDRq", "--token-lifetime=77", "operand"],
            (string[])["-v", "-d", .. key, "-t", example, "-q", "16333642137600"],
            (string[])["-d", .. key, "-t", example],
            (string[])["-d", .. key, "-t", example[..^4] + "AAA="],
            (string[])["-d", .. key, "-t", "AAAA"],
            (string[])["-d", .. key, "-t", "abc"],
            (string[])["-d", .. key],
            (string[])["-e", .. key],
            (string[])["-e", .. key, .. token, "-n", "A512GCM"],
            (string[])["-e", .. key, .. token, "-n", "A256GCM!"],
            (string[])["-e", .. key, .. token, "-q", "-5", "-o", "aDRq"],
            (string[])["-e", .. key, .. token, "-l", "-7", "-m", "99999999999", "-r", "-1", "-o", "aDRq"],
            (string[])["-e", "-i", "a", "-j", "b", "-k", "abc", "-l", "1", "-m", "1", .. token, "-o", "aDRq"],
            (string[])["-e", .. key, .. token, "-j", "123456789012345678901234567890123"],
            (string[])["-e", .. key, .. token, "--tok=1"],
            (string[])["-e", .. key, .. token, "--encrypt"],
            (string[])["-e", .. key, .. token, "--verbose=1"],
            (string[])["-e", .. key, .. token, "--bogus"],
            (string[])["-e", .. key, .. token, "-x"],
            (string[])["-e", .. key, .. token, "-t"],
            (string[])["-h"],
            (string[])[],
        };
    }

    [Theory]
    [MemberData(nameof(SameOutputCases))]
    public void OurToolPrintsWhatCoturnsPrints(string[] args)
    {
        OAuthTools.Result c = OAuthTools.Run(OAuthTools.Coturn(), args);
        OAuthTools.Result m = OAuthTools.Run(OAuthTools.Ours(), args);
        Assert.Equal(c.ExitCode, m.ExitCode);
        Assert.Equal(c.Stdout, m.Stdout);
        Assert.Equal(WithoutProgramName(c.Stderr, OAuthTools.CoturnPath), WithoutProgramName(m.Stderr, OAuthTools.Ours()));
    }

    [Fact]
    public void OurToolReproducesTheAppendixBSample()
    {
        OAuthTools.Result r = OAuthTools.Run(
            OAuthTools.Ours(), "-e", "-i", OAuthTokenCodecTests.SampleServerName, "-j", OAuthTokenCodecTests.SampleKid,
            "-k", Convert.ToBase64String(OAuthTokenCodecTests.SampleLongTermKey), "-l", "1234567890", "-m", "3600",
            "-o", Convert.ToBase64String(OAuthTokenCodecTests.SampleNonce), "-p", Convert.ToBase64String(OAuthTokenCodecTests.SampleMacKey),
            "-q", OAuthTokenCodecTests.SampleTimestamp.ToString(), "-r", "3600");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(
            "{\n" +
            $"    \"access_token\":\"{OAuthTokenCodecTests.SampleTokenA256}\",\n" +
            "    \"token_type\":\"pop\",\n" +
            "    \"expires_in\":3600,\n" +
            "    \"kid\":\"2783466234\",\n" +
            "    \"key\":\"ZksjpweoixXmvn67534m\",\n" +
            "    \"alg\":\"HMAC-SHA1\"\n" +
            "}\n",
            r.Stdout);
    }

    private static string WithoutProgramName(string stderr, string path) => stderr.Replace(path + ":", "PROGRAM:", StringComparison.Ordinal);

    /// <summary>Random bytes without 0x00: coturn's tool cuts -p at the first zero byte (strncpy).</summary>
    private static byte[] NonZeroBytes(int length)
    {
        byte[] bytes = RandomNumberGenerator.GetBytes(length);
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = bytes[i] == 0 ? (byte)1 : bytes[i];
        }

        return bytes;
    }
}
