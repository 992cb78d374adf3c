using System.Net;

namespace Turn.Configuration.Tests;

public class ValidationTests
{
    public static TheoryData<string, string, string> BadValues() => new()
    {
        // option as written, value, option name expected in the exception
        { "--listening-port", "abc", "listening-port" },
        { "--listening-port", "65536", "listening-port" },
        { "--listening-port", "99999", "listening-port" },
        { "--listening-port", "-1", "listening-port" },
        { "--min-port", "0", "min-port" },
        { "--listening-port", "3478abc", "listening-port" },
        { "--tls-listening-port", "5349.0", "tls-listening-port" },
        { "--alt-listening-port", "70000", "alt-listening-port" },
        { "--min-port", "x", "min-port" },
        { "--max-port", "65536", "max-port" },
        { "--cli-port", "", "cli-port" },
        { "--listening-ip", "1.2.3", "listening-ip" },
        { "--listening-ip", "1.2.3.999", "listening-ip" },
        { "--listening-ip", "1.2.3.4.5", "listening-ip" },
        { "--listening-ip", "::zz", "listening-ip" },
        { "--listening-ip", "not an address", "listening-ip" },
        { "--listening-ip", "unresolvable.invalid", "listening-ip" },
        { "--relay-ip", "300.1.1.1", "relay-ip" },
        { "--external-ip", "1.2.3.4/5.6.7", "external-ip" },
        { "--external-ip", "/1.2.3.4", "external-ip" },
        { "--cli-ip", "localhost:5766", "cli-ip" },
        { "--allowed-peer-ip", "10.0.0.9-10.0.0.1", "allowed-peer-ip" },
        { "--allowed-peer-ip", "10.0.0.1-::1", "allowed-peer-ip" },
        { "--denied-peer-ip", "10.0.0.0/33", "denied-peer-ip" },
        { "--denied-peer-ip", "10.0.0.x", "denied-peer-ip" },
        { "--alternate-server", "1.2.3.4:99999", "alternate-server" },
        { "--alternate-server", "[::1", "alternate-server" },
        { "--aux-server", "1.2.3.4:port", "aux-server" },
        { "--allocation-default-address-family", "ipv5", "allocation-default-address-family" },
        { "--allocation-default-address-family", "both", "allocation-default-address-family" },
        { "--log-min-level", "verbose", "log-min-level" },
        { "--syslog-facility", "LOG_FOO", "syslog-facility" },
        { "--user", "bob", "user" },
        { "--user", ":pw", "user" },
        { "--user", "bob:", "user" },
        { "--user", "bob:0x123", "user" },
        { "--user", "bob:0xbc807ee29df3c9ffa736523fb2c4e8eZ", "user" },
        { "--rest-api-separator", "::", "rest-api-separator" },
        { "--relay-threads", "-1", "relay-threads" },
        { "--relay-threads", "many", "relay-threads" },
        { "--cpus", "0", "cpus" },
        { "--max-bps", "-5", "max-bps" },
        { "--user-quota", "1e3", "user-quota" },
        { "--stale-nonce", "soon", "stale-nonce" },
        { "--max-allocate-lifetime", "0", "max-allocate-lifetime" },
        { "--ne", "4", "ne" },
        { "--prometheus-port", "70000", "prometheus-port" },
        { "--no-udp", "maybe", "no-udp" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void BadValueOnTheCommandLineIsFatal(string option, string value, string name)
    {
        using var env = new TestEnv();
        var e = Assert.Throws<ConfigException>(() => env.LoadNoFiles("-n", $"{option}={value}", "--no-cli"));
        Assert.True(e.Kind is ConfigErrorKind.InvalidValue or ConfigErrorKind.MissingValue, e.Kind.ToString());
        Assert.Equal(name, e.OptionName);
        Assert.Contains(option, e.Message, StringComparison.Ordinal);
        if (value.Length > 0)
        {
            // Secrets are shown redacted (user=name:*** ...), everything else as written.
            string shown = OptionTable.FindLong(name)!.Displayable(value)!;
            Assert.Equal(shown, e.Value);
            Assert.Contains($"'{shown}'", e.Message, StringComparison.Ordinal);
        }

        Assert.Null(e.File);
    }

    [Theory]
    [MemberData(nameof(BadValues))]
    public void BadValueInTheFileIsFatalWithFileAndLine(string option, string value, string name)
    {
        using var env = new TestEnv();
        var path = env.WriteConfig($"no-cli\n{option[2..]}={value}\n");
        var e = Assert.Throws<ConfigException>(() => env.LoadNoFiles());
        Assert.Equal(name, e.OptionName);
        Assert.Equal(path, e.File);
        Assert.Equal(2, e.Line);
        Assert.StartsWith($"{path}:2: option '{option[2..]}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MinPortAboveMaxPortIsFatal()
    {
        using var env = new TestEnv();
        var path = env.WriteConfig("min-port=50000\nmax-port=40000\n");
        var e = Assert.Throws<ConfigException>(() => env.LoadNoFiles());
        Assert.Equal(ConfigErrorKind.Inconsistent, e.Kind);
        Assert.Equal("min-port", e.OptionName);
        Assert.Equal("50000", e.Value);
        Assert.Equal(path, e.File);
        Assert.Equal(1, e.Line);
        Assert.Contains("50000", e.Message, StringComparison.Ordinal);
        Assert.Contains("40000", e.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:2", e.Message, StringComparison.Ordinal);

        var cli = Assert.Throws<ConfigException>(() => env.LoadNoFiles("-n", "--max-port=1000"));
        Assert.Contains("49152 (default)", cli.Message, StringComparison.Ordinal);

        // The command line can repair it.
        Assert.Equal(60000, env.LoadNoFiles("--max-port=60000").Config.MaxPort);
        Assert.Equal(50000, env.LoadNoFiles("--min-port=50000", "--max-port=50000").Config.MinPort);
    }

    [Fact]
    public void LongTermAndNoAuthTogetherAreFatal()
    {
        using var env = new TestEnv();
        var e = Assert.Throws<ConfigException>(() => env.LoadNoFiles("-n", "-a", "-z"));
        Assert.Equal(ConfigErrorKind.Inconsistent, e.Kind);
        Assert.True(env.LoadNoFiles("-n", "-a", "-z", "--no-auth=0").Config.LtCredMech);
    }

    [Fact]
    public void LoopbackPeersNeedACliPasswordOrNoCli()
    {
        using var env = new TestEnv();
        var e = Assert.Throws<ConfigException>(() => env.LoadNoFiles("-n", "--allow-loopback-peers"));
        Assert.Equal("allow-loopback-peers", e.OptionName);
        Assert.True(env.LoadNoFiles("-n", "--allow-loopback-peers", "--no-cli").Config.AllowLoopbackPeers);
        Assert.True(env.LoadNoFiles("-n", "--allow-loopback-peers", "--cli-password=x").Config.AllowLoopbackPeers);
    }

    [Fact]
    public void GoodValuesParse()
    {
        using var env = new TestEnv();
        var c = env.LoadNoFiles("-n",
            "-L", "[2001:db8::1]", "-L", "0.0.0.0",
            "-X", "203.0.113.1/10.0.0.1", "-X", "turn.example.org",
            "--allowed-peer-ip=10.0.0.0/8", "--denied-peer-ip=2001:db8::-2001:db8::ffff", "--denied-peer-ip=172.16.0.1",
            "--alternate-server=::1", "--tls-alternate-server=1.2.3.4", "--aux-server=[::1]:33478",
            "-A", "IPv6", "--log-min-level=warning", "-C", ";", "--relay-threads=500", "--max-bps=1000000000000",
            "--cli-ip=::1", "--web-admin-ip=turn.example.org").Config;
        Assert.Equal([IPAddress.Parse("2001:db8::1"), IPAddress.Any], c.ListeningIps);
        Assert.Equal(new ExternalIpMapping(IPAddress.Parse("203.0.113.1"), IPAddress.Parse("10.0.0.1")), c.ExternalIps[0]);
        Assert.Equal(IPAddress.Parse("192.0.2.7"), c.ExternalIps[1].Public);
        Assert.Equal(new IpRange(IPAddress.Parse("10.0.0.0"), IPAddress.Parse("10.255.255.255")), c.AllowedPeerIps[0]);
        Assert.True(c.DeniedPeerIps[0].Contains(IPAddress.Parse("2001:db8::abcd")));
        Assert.False(c.DeniedPeerIps[0].Contains(IPAddress.Parse("2001:db8::1:0")));
        Assert.True(c.DeniedPeerIps[1].Contains(IPAddress.Parse("::ffff:172.16.0.1")));
        Assert.Equal(new ServerAddress(IPAddress.IPv6Loopback, 3478), c.AlternateServers[0]);
        Assert.Equal(new ServerAddress(IPAddress.Parse("1.2.3.4"), 5349), c.TlsAlternateServers[0]);
        Assert.Equal(new ServerAddress(IPAddress.IPv6Loopback, 33478), c.AuxServers[0]);
        Assert.Equal(AddressFamilyPolicy.Ipv6, c.AllocationDefaultAddressFamily);
        Assert.Equal(TurnLogLevel.Warning, c.LogMinLevel);
        Assert.Equal(';', c.RestApiSeparator);
        Assert.Equal(128, c.RelayThreads);
        Assert.Equal(1_000_000_000_000, c.MaxBps);
        Assert.Equal(IPAddress.IPv6Loopback, c.CliIp);
        Assert.Equal(IPAddress.Parse("192.0.2.7"), c.WebAdminIp);
    }

    [Fact]
    public void RelayThreadsAboveTheLimitAreCappedWithAWarning()
    {
        using var env = new TestEnv();
        var r = env.LoadNoFiles("-n", "-m", "500");
        Assert.Equal(128, r.Config.RelayThreads);
        Assert.Contains(r.Warnings, w => w.Contains("relay-threads", StringComparison.Ordinal));
        Assert.Equal(0, env.LoadNoFiles("-n", "-m", "0").Config.RelayThreads);
        Assert.Null(env.LoadNoFiles("-n").Config.RelayThreads);
    }

    [Fact]
    public void DefaultsAreCoturns()
    {
        using var env = new TestEnv();
        var c = env.LoadNoFiles("-n").Config;
        Assert.Equal(3478, c.ListeningPort);
        Assert.Equal(5349, c.TlsListeningPort);
        Assert.Equal(0, c.AltListeningPort);
        Assert.Equal(49152, c.MinPort);
        Assert.Equal(65535, c.MaxPort);
        Assert.Equal(3600, c.MaxAllocateLifetime);
        Assert.Equal(600, c.ChannelLifetime);
        Assert.Equal(300, c.PermissionLifetime);
        Assert.Equal(60, c.MaxAllocateTimeout);
        Assert.Equal(':', c.RestApiSeparator);
        Assert.Equal(IPAddress.Loopback, c.CliIp);
        Assert.Equal(5766, c.CliPort);
        Assert.Equal(256, c.CliMaxOutputSessions);
        Assert.Equal(8080, c.WebAdminPort);
        Assert.Equal("DEFAULT", c.CipherList);
        Assert.Equal(AddressFamilyPolicy.Ipv4, c.AllocationDefaultAddressFamily);
        Assert.Equal(LogVerbosity.Normal, c.Verbose);
        Assert.Null(c.PidFile);
        Assert.Null(c.LogFile);
        Assert.False(c.NoCli);
        Assert.Empty(c.ExplicitOptions);
    }
}
