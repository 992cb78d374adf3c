namespace Turn.Configuration.Tests;

public class CommandLineTests
{
    private static ConfigLoadResult Load(params string[] args)
    {
        using var env = new TestEnv();
        return env.LoadNoFiles(["-n", .. args]);
    }

    private static ConfigException Fail(params string[] args) => Assert.Throws<ConfigException>(() => Load(args));

    [Theory]
    [InlineData("-p", "4000")]
    [InlineData("-p4000")]
    [InlineData("--listening-port=4000")]
    [InlineData("--listening-port", "4000")]
    [InlineData("--listening-po=4000")] // unique prefix, as getopt_long
    [InlineData("--listening-po", "4000")]
    public void RequiredArgumentForms(params string[] args) => Assert.Equal(4000, Load(args).Config.ListeningPort);

    [Theory]
    [InlineData("-L", "1.2.3.4")]
    [InlineData("-L1.2.3.4")]
    [InlineData("--listening-ip=1.2.3.4")]
    [InlineData("--listening-ip", "1.2.3.4")]
    public void AddressForms(params string[] args) =>
        Assert.Equal("1.2.3.4", Assert.Single(Load(args).Config.ListeningIps).ToString());

    [Fact]
    public void SwitchesTakeTheirValueOnlyAfterEquals()
    {
        Assert.True(Load("--no-udp").Config.NoUdp);
        Assert.False(Load("--no-udp=0").Config.NoUdp);
        Assert.False(Load("--no-udp=off").Config.NoUdp);

        var separate = Load("--no-udp", "false");
        Assert.True(separate.Config.NoUdp);
        Assert.Contains(separate.Warnings, w => w.Contains("'false'", StringComparison.Ordinal)
                                                && w.Contains("--no-udp=false", StringComparison.Ordinal));
    }

    [Fact]
    public void OptionalIntegerForms()
    {
        Assert.Null(Load().Config.StaleNonce);
        Assert.Equal(600, Load("--stale-nonce").Config.StaleNonce);
        Assert.Equal(0, Load("--stale-nonce=0").Config.StaleNonce);
        Assert.Equal(120, Load("--stale-nonce=120").Config.StaleNonce);
        Assert.Equal(3600, Load("--max-allocate-lifetime").Config.MaxAllocateLifetime);
        Assert.Equal(7200, Load("--max-allocate-lifetime=7200").Config.MaxAllocateLifetime);
        var separate = Load("--channel-lifetime", "900");
        Assert.Equal(600, separate.Config.ChannelLifetime);
        Assert.Contains(separate.Warnings, w => w.Contains("--channel-lifetime=900", StringComparison.Ordinal));
    }

    [Fact]
    public void ShortSwitchesCanBeClustered()
    {
        var c = Load("-vfS").Config;
        Assert.Equal(LogVerbosity.Verbose, c.Verbose);
        Assert.True(c.Fingerprint);
        Assert.True(c.StunOnly);

        var d = Load("-fp", "4001").Config;
        Assert.True(d.Fingerprint);
        Assert.Equal(4001, d.ListeningPort);

        var e = Load("-fp4002").Config;
        Assert.Equal(4002, e.ListeningPort);
    }

    [Fact]
    public void ShortKTakesTheNextArgumentAsItsBoolean()
    {
        Assert.Equal(AddressFamilyPolicy.Keep, Load("-K", "1").Config.AllocationDefaultAddressFamily);
        Assert.Equal(AddressFamilyPolicy.Ipv4, Load("-K", "0").Config.AllocationDefaultAddressFamily);
        Assert.Equal(AddressFamilyPolicy.Keep, Load("--keep-address-family").Config.AllocationDefaultAddressFamily);
        var e = Fail("-K", "-v");
        Assert.Equal("keep-address-family", e.OptionName);
    }

    [Fact]
    public void VerbosityForms()
    {
        Assert.Equal(LogVerbosity.Normal, Load().Config.Verbose);
        Assert.Equal(LogVerbosity.Verbose, Load("-v").Config.Verbose);
        Assert.Equal(LogVerbosity.ExtraVerbose, Load("-V").Config.Verbose);
        Assert.Equal(LogVerbosity.ExtraVerbose, Load("--Verbose").Config.Verbose);
        Assert.Equal(LogVerbosity.Verbose, Load("-V", "-v").Config.Verbose); // coturn: -v sets moderate
        Assert.Equal(LogVerbosity.Normal, Load("-v", "--verbose=no").Config.Verbose);
    }

    [Fact]
    public void PairedSwitchesShareOneProperty()
    {
        Assert.True(Load("--no-software-attribute").Config.NoSoftwareAttribute);
        Assert.True(Load("--prod").Config.NoSoftwareAttribute);
        Assert.False(Load("--prod", "--software-attribute").Config.NoSoftwareAttribute);
        Assert.True(Load("--software-attribute=no").Config.NoSoftwareAttribute);
        Assert.True(Load("--no-cli").Config.NoCli);
        Assert.False(Load("--no-cli", "--cli").Config.NoCli);
        Assert.True(Load("--no-dtls").Config.NoDtls);
        Assert.False(Load("--no-dtls", "--dtls").Config.NoDtls);
        Assert.True(Load("--no-stun-backward-compatibility").Config.NoStunBackwardCompatibility);
        Assert.False(Load("--no-stun-backward-compatibility", "--stun-backward-compatibility").Config.NoStunBackwardCompatibility);
        Assert.True(Load("--rfc5780=false").Config.NoRfc5780);
    }

    [Fact]
    public void AliasesWork()
    {
        Assert.Equal("/tmp/a.db", Load("--db=/tmp/a.db").Config.UserDb);
        Assert.Equal("/tmp/a.db", Load("-b", "/tmp/a.db").Config.UserDb);
        var c = Load("--sql-userdb=host=x dbname=y").Config;
        Assert.Equal("host=x dbname=y", c.PsqlUserDb);
        Assert.Equal(UserDbType.PostgreSql, c.UserDbType);
        Assert.Equal(UserDbType.Redis, Load("-b", "/x.db", "-N", "ip=1.2.3.4").Config.UserDbType);
    }

    [Theory]
    [InlineData("--bogus", "--bogus")]
    [InlineData("--bogus=1", "--bogus")]
    [InlineData("--help", "--help")]
    [InlineData("-x", "-x")]
    [InlineData("-vx", "-x")]
    [InlineData("--c", "--c")] // -c has no long form
    [InlineData("--Listening-port=1", "--Listening-port")] // names are case-sensitive
    public void UnknownOptionIsFatalAndNamed(string arg, string named)
    {
        var e = Fail(arg);
        Assert.Equal(ConfigErrorKind.UnknownOption, e.Kind);
        Assert.Equal(named, e.OptionName);
        Assert.Contains($"'{named}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AmbiguousPrefixIsFatal()
    {
        var e = Fail("--no-t");
        Assert.Equal(ConfigErrorKind.UnknownOption, e.Kind);
        Assert.Contains("ambiguous", e.Message, StringComparison.Ordinal);
        Assert.Contains("--no-tcp", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("listening-port", "-p")]
    [InlineData("listening-port", "--listening-port")]
    [InlineData("realm", "--realm")]
    [InlineData("realm", "--realm=")]
    [InlineData("user", "-u")]
    public void MissingValueIsFatal(string option, string arg)
    {
        var e = Fail(arg);
        Assert.Equal(ConfigErrorKind.MissingValue, e.Kind);
        Assert.Equal(option, e.OptionName);
        Assert.Contains("requires a value", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoArgumentOptionRejectsAValue()
    {
        Assert.True(Load("--multiplex-peer").Config.MultiplexPeer);
        var e = Fail("--multiplex-peer=1");
        Assert.Equal("multiplex-peer", e.OptionName);
    }

    [Fact]
    public void RequiredOptionTakesTheNextArgumentEvenIfItLooksLikeAnOption()
    {
        Assert.Equal("-v", Load("--realm", "-v").Config.Realm);
        Assert.Equal(LogVerbosity.Normal, Load("--realm", "-v").Config.Verbose);
    }

    [Fact]
    public void ShortOptionValueWithEqualsSignIsWarned()
    {
        var r = Load("-r", "=example.org");
        Assert.Equal("=example.org", r.Config.Realm);
        Assert.Contains(r.Warnings, w => w.Contains("'-r'", StringComparison.Ordinal));
    }

    [Fact]
    public void NonOptionArgumentsAreIgnoredWithAWarning()
    {
        var r = Load("stray", "--", "--no-udp");
        Assert.False(r.Config.NoUdp);
        Assert.Contains(r.Warnings, w => w.Contains("'stray'", StringComparison.Ordinal));
        Assert.Contains(r.Warnings, w => w.Contains("'--no-udp'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("-h")]
    [InlineData("--bogus", "-h")]
    [InlineData("-p", "notaport", "-h")]
    [InlineData("-vh")]
    public void HelpWinsBeforeValidation(params string[] args)
    {
        using var env = new TestEnv();
        var r = env.Load(args);
        Assert.True(r.ShowHelp);
        Assert.False(r.ShowVersion);
        Assert.Equal(HelpWriter.Render(), r.HelpText);
    }

    [Fact]
    public void VersionWinsBeforeValidation()
    {
        using var env = new TestEnv();
        var r = env.Load("--bogus", "--version");
        Assert.True(r.ShowVersion);
        Assert.Equal(ProductInfo.VersionLine, r.VersionText);
        Assert.Contains(ProductInfo.Version, r.VersionText, StringComparison.Ordinal);
        Assert.Contains("4.6.1", r.VersionText, StringComparison.Ordinal);
        Assert.StartsWith("turn-dotnet " + ProductInfo.Version, ProductInfo.SoftwareAttribute, StringComparison.Ordinal);
    }

    [Fact]
    public void RepeatableOptionsAccumulateOnTheCommandLine()
    {
        var c = Load("-L", "1.2.3.4", "--listening-ip=::1", "-L5.6.7.8", "--user=a:b", "-u", "c:d").Config;
        Assert.Equal(["1.2.3.4", "::1", "5.6.7.8"], c.ListeningIps.Select(a => a.ToString()));
        Assert.Equal(["a", "c"], c.Users.Select(u => u.Name));
    }

    [Fact]
    public void LastValueWinsForSingleValuedOptions()
    {
        var c = Load("-p", "4000", "--listening-port=4001", "-r", "a", "-r", "b").Config;
        Assert.Equal(4001, c.ListeningPort);
        Assert.Equal("b", c.Realm);
    }
}
