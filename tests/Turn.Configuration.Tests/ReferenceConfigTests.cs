using System.Net;
using System.Text.RegularExpressions;

namespace Turn.Configuration.Tests;

/// <summary>The configuration files shipped by coturn 4.6.1 (Debian package), copied into TestData.</summary>
public partial class ReferenceConfigTests
{
    [Theory]
    [InlineData("coturn-example-turnserver.conf")]
    [InlineData("debian-etc-turnserver.conf")]
    public void ReferenceConfigParsesWithoutError(string name)
    {
        using var env = new TestEnv();
        var path = TestData.PathOf(name);
        var r = env.Load("-c", path);
        Assert.Equal(path, r.Config.ConfigFile);
        Assert.True(r.Config.Syslog);
        Assert.True(r.Config.NoRfc5780);
        Assert.True(r.Config.NoStunBackwardCompatibility);
        Assert.True(r.Config.ResponseOriginOnlyWithRfc5780);
        Assert.DoesNotContain(r.Warnings, w => w.Contains("unknown option", StringComparison.Ordinal));
        Assert.DoesNotContain(r.Warnings, w => w.Contains("';'", StringComparison.Ordinal));
        // What remains: no-rfc5780 is not implemented yet, and there is no certificate.
        Assert.All(r.Warnings, w => Assert.True(
            w.Contains("'no-rfc5780' is not implemented", StringComparison.Ordinal)
            || w.Contains("no TLS certificate", StringComparison.Ordinal), w));
    }

    /// <summary>
    /// Uncomments every documented option line ("#name=value") of the reference config and loads the result: every
    /// example value coturn documents must be accepted. Placeholders that coturn itself would not accept are left out.
    /// </summary>
    [Fact]
    public void EveryDocumentedExampleLineIsAccepted()
    {
        var excluded = new HashSet<string>(StringComparer.Ordinal)
        {
            "cli-max-output-sessions", // documented without a value
            "ne", // documented as "[1|2|3]"
            "no-auth", // contradicts lt-cred-mech, which is also documented
        };
        var lines = File.ReadAllLines(TestData.PathOf("coturn-example-turnserver.conf"))
            .Select(l => OptionLine().Match(l))
            .Where(m => m.Success && OptionTable.FindLong(m.Groups[1].Value) is { } o && !excluded.Contains(m.Groups[1].Value)
                        && !(o.SecurityRelevant && !o.Implemented)) // fatal until implemented (AnUnimplementedSecurityOptionIsFatal...)
            .Select(m => m.Value[1..])
            .ToList();
        Assert.True(lines.Count > 100, "found " + lines.Count);

        using var env = new TestEnv();
        env.WriteConfig(string.Join('\n', lines));
        var c = env.LoadNoFiles().Config;

        Assert.Equal(3, c.ListeningIps.Count);
        Assert.Equal(IPAddress.Parse("2607:f0d0:1002:51::4"), c.ListeningIps[2]);
        Assert.Equal(2, c.AuxServers.Count);
        Assert.Equal(new ServerAddress(IPAddress.Parse("2607:f0d0:1002:51::4"), 33478), c.AuxServers[1]);
        Assert.Equal(3, c.ExternalIps.Count);
        Assert.Equal(IPAddress.Parse("172.17.19.102"), c.ExternalIps[2].Private);
        Assert.Equal(6, c.Users.Count);
        Assert.NotNull(c.Users.Single(u => u.Key is not null).Key);
        Assert.Equal("mycompany.org", c.Realm);
        Assert.Equal(4, c.AlternateServers.Count);
        Assert.Equal(3478, c.AlternateServers[2].Port); // "5.6.7.8" without a port
        Assert.Equal(3, c.TlsAlternateServers.Count);
        Assert.Equal("LOG_LOCAL1", c.SyslogFacility);
        Assert.Equal("%FT%T%z", c.NewLogTimestampFormat);
        Assert.Equal("/var/run/turnserver.pid", c.PidFile);
        Assert.Equal(AddressFamilyPolicy.Ipv4, c.AllocationDefaultAddressFamily); // "ipv4" comes after keep-address-family
        Assert.Equal(600, c.StaleNonce);
        Assert.Equal(UserDbType.Redis, c.UserDbType); // the last user database line wins, as in coturn
        Assert.True(c.NoCli);
        Assert.Equal("qwerty", c.CliPassword);
        Assert.Equal("host=<host> dbname=<database-name> user=<database-user> password=<database-user-password> connect_timeout=30", c.PsqlUserDb);
    }

    [Fact]
    public void ShippedProjectConfigParsesWithoutUnknownOptions()
    {
        var path = Path.Combine(TestData.RepoRoot(), "etc", "turnserver.conf");
        Assert.True(File.Exists(path), path);
        using var env = new TestEnv();
        var r = env.Load("-c", path);
        Assert.Equal(path, r.Config.ConfigFile);
        Assert.DoesNotContain(r.Warnings, w => w.Contains("unknown option", StringComparison.Ordinal));
    }

    [GeneratedRegex("^#([A-Za-z][A-Za-z0-9_-]*)((=| ).*)?$")]
    private static partial Regex OptionLine();
}
