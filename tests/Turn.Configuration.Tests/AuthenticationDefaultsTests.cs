namespace Turn.Configuration.Tests;

/// <summary>Authentication cannot be switched off by accident: only an explicit no-auth makes an open relay.</summary>
public class AuthenticationDefaultsTests
{
    private static ConfigLoadResult Load(params string[] args)
    {
        using var env = new TestEnv();
        return env.LoadNoFiles(["-n", "--no-cli", .. args]);
    }

    [Fact]
    public void UsersWithoutLtCredMechTurnItOnWithCoturnsAlert()
    {
        ConfigLoadResult r = Load("--user=alice:secret", "--realm=example.org");
        Assert.True(r.Config.LtCredMech);
        Assert.False(r.Config.NoAuth);
        Assert.Contains(r.Warnings, w => w.Contains("I am turning --lt-cred-mech ON for you", StringComparison.Ordinal));
    }

    [Fact]
    public void AUserDatabaseWithoutLtCredMechTurnsItOn()
    {
        ConfigLoadResult r = Load("--userdb=/tmp/nonexistent-turndb-for-test");
        Assert.True(r.Config.LtCredMech);
        Assert.Contains(r.Warnings, w => w.Contains("user database", StringComparison.Ordinal) && w.Contains("ON for you", StringComparison.Ordinal));
    }

    [Fact]
    public void NothingConfiguredStillRequiresCredentials()
    {
        ConfigLoadResult r = Load();
        Assert.True(r.Config.LtCredMech);
        Assert.False(r.Config.NoAuth);
    }

    [Fact]
    public void OnlyAnExplicitNoAuthMakesAnOpenRelay()
    {
        ConfigLoadResult r = Load("--no-auth");
        Assert.False(r.Config.LtCredMech);
        Assert.True(r.Config.NoAuth);
    }

    [Fact]
    public void NoAuthIgnoresUsersWithAWarning()
    {
        ConfigLoadResult r = Load("--no-auth", "--user=alice:secret");
        Assert.False(r.Config.LtCredMech);
        Assert.Contains(r.Warnings, w => w.Contains("ignored", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--lt-cred-mech")]
    [InlineData("--use-auth-secret")]
    [InlineData("--oauth")]
    public void NoAuthWithACredentialMechanismIsFatal(string mechanism)
    {
        var e = Assert.Throws<ConfigException>(() => Load("--no-auth", mechanism));
        Assert.Equal(ConfigErrorKind.Inconsistent, e.Kind);
        Assert.Contains(mechanism[2..], e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnExplicitMechanismNeedsNoAlert()
    {
        ConfigLoadResult r = Load("--use-auth-secret", "--static-auth-secret=s3cret");
        Assert.False(r.Config.LtCredMech);
        Assert.DoesNotContain(r.Warnings, w => w.Contains("ON for you", StringComparison.Ordinal));
    }
}
