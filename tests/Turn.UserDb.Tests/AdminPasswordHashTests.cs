using System.Text.RegularExpressions;

namespace Turn.UserDb.Tests;

public sealed class AdminPasswordHashTests
{
    // Printed by coturn 4.6.1: turnadmin -P -p secret
    private const string CoturnSecret = "$5$78969fdd9c8d00de$e789722b6c7200825df124cc4c79bdb588faa3ae2f2d3696d25c4b2d5d4cbd75";

    [Fact]
    public void KnownCoturnVectorIsReproducedFromItsSalt()
    {
        string ours = AdminPasswordHash.Create("secret", Convert.FromHexString("78969fdd9c8d00de"));
        Assert.Equal(CoturnSecret, ours);
        Assert.True(AdminPasswordHash.Verify("secret", CoturnSecret));
        Assert.False(AdminPasswordHash.Verify("Secret", CoturnSecret));
    }

    [Fact]
    public void FormatIsDollarFiveSaltDigestWithFreshSalts()
    {
        string a = AdminPasswordHash.Create("pw");
        string b = AdminPasswordHash.Create("pw");
        Assert.Matches(new Regex("^\\$5\\$[0-9a-f]{16}\\$[0-9a-f]{64}$"), a);
        Assert.NotEqual(a, b);
        Assert.True(AdminPasswordHash.IsHashed(a));
        Assert.True(AdminPasswordHash.Verify("pw", a));
        Assert.True(AdminPasswordHash.Verify("pw", b));
        Assert.False(AdminPasswordHash.Verify("pw ", a));
    }

    [Fact]
    public void VerifyAcceptsUpperCaseHexAndPlainTextAndRejectsBrokenForms()
    {
        Assert.True(AdminPasswordHash.Verify("secret", "$5$78969FDD9C8D00DE$" + CoturnSecret[20..].ToUpperInvariant()));
        Assert.True(AdminPasswordHash.Verify("plain", "plain"));
        Assert.False(AdminPasswordHash.Verify("plain", "plain2"));
        Assert.False(AdminPasswordHash.Verify(string.Empty, string.Empty));
        Assert.False(AdminPasswordHash.Verify("x", null));
        Assert.False(AdminPasswordHash.Verify("secret", CoturnSecret[..^1]));
        Assert.False(AdminPasswordHash.Verify(CoturnSecret[..^1], CoturnSecret[..^1] + "g"));
        Assert.False(AdminPasswordHash.IsHashed("secret"));
    }

    [Theory]
    [InlineData("secret")]
    [InlineData("")]
    [InlineData("p w")]
    [InlineData("x;'\"--%_\\")]
    [InlineData("\u00fcmlaut-\u00e9")]
    public void CoturnGeneratedHashesVerifyAndOursVerifyTheSameWay(string password)
    {
        using var dir = new TempDir();
        CliResult coturn = Coturn.Run(dir.File("scratch.db"), "-P", "-p", password);
        Assert.Equal(0, coturn.ExitCode);
        string hash = coturn.StdoutLines.Single();
        Assert.True(AdminPasswordHash.Verify(password, hash), coturn.ToString());
        Assert.False(AdminPasswordHash.Verify(password + "x", hash));

        CliResult ours = Ours.Run("-P", "-p", password);
        Assert.Equal(0, ours.ExitCode);
        string ourHash = ours.StdoutLines.Single();
        Assert.Matches(new Regex("^\\$5\\$[0-9a-f]{16}\\$[0-9a-f]{64}$"), ourHash);
        Assert.True(AdminPasswordHash.Verify(password, ourHash));

        // Same salt, same digest: our hash is what coturn's algorithm gives.
        Assert.Equal(hash, AdminPasswordHash.Create(password, Convert.FromHexString(hash.Substring(3, 16))));
    }
}
