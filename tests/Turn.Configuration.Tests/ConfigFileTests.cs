namespace Turn.Configuration.Tests;

public class ConfigFileTests
{
    [Theory]
    [InlineData("listening-port=4000")]
    [InlineData("listening-port 4000")]
    [InlineData("listening-port\t4000")]
    [InlineData("listening-port = 4000")]
    [InlineData("listening-port==4000")]
    [InlineData("listening-port \t= \t4000")]
    [InlineData("   listening-port=4000   ")]
    [InlineData("\tlistening-port=4000\t")]
    [InlineData("listening-port=\"4000\"")]
    [InlineData("listening-port \"4000\"")]
    [InlineData("listening-port=4000\r")]
    [InlineData("\uFEFFlistening-port=4000")]
    public void NameValueSeparators(string line)
    {
        using var env = new TestEnv();
        var path = env.WriteConfig(line + "\n");
        var r = env.LoadNoFiles();
        Assert.Equal(4000, r.Config.ListeningPort);
        Assert.Equal(path, r.Config.ConfigFile);
        Assert.Empty(r.Warnings);
        Assert.Equal($"{path}:1", r.Config.GetSource("listening-port"));
    }

    [Fact]
    public void CommentsAndBlankLinesAreIgnored()
    {
        using var env = new TestEnv();
        env.WriteConfig("# listening-port=1\n\n   \n  # indented comment\n#no-udp\nlog-file=/tmp/x.log\n");
        var r = env.LoadNoFiles();
        Assert.Equal(3478, r.Config.ListeningPort);
        Assert.False(r.Config.NoUdp);
        Assert.Equal("/tmp/x.log", r.Config.LogFile);
        Assert.Empty(r.Warnings);
    }

    [Fact]
    public void HashLaterInTheLineIsPartOfTheValue()
    {
        using var env = new TestEnv();
        env.WriteConfig("realm=example.org # main realm\n");
        Assert.Equal("example.org # main realm", env.LoadNoFiles().Config.Realm);

        env.WriteConfig("listening-port=4000 # plain\n");
        var e = Assert.Throws<ConfigException>(() => env.LoadNoFiles());
        Assert.Contains("'#' starts a comment only at the beginning of a line", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("realm=\"example.org\"", "example.org")]
    [InlineData("realm \"example.org\"  ", "example.org")]
    [InlineData("realm=\"example.org", "example.org")] // coturn strips the closing quote only if present
    [InlineData("realm=example\"org\"", "example\"org\"")] // only surrounding quotes are stripped
    [InlineData("cli-password=\"a b c\"", "a b c")]
    public void QuotesAreStripped(string line, string expected)
    {
        using var env = new TestEnv();
        env.WriteConfig(line + "\n");
        var c = env.LoadNoFiles().Config;
        Assert.Equal(expected, line.StartsWith("realm", StringComparison.Ordinal) ? c.Realm : c.CliPassword);
    }

    [Fact]
    public void TrailingSemicolonIsWarnedAndIgnoredForTypedValues()
    {
        using var env = new TestEnv();
        var path = env.WriteConfig("listening-port=4000;\nrealm=example.org;\nno-udp;\n");
        var r = env.LoadNoFiles();
        Assert.Equal(4000, r.Config.ListeningPort);
        Assert.Equal("example.org;", r.Config.Realm); // free strings keep it
        Assert.True(r.Config.NoUdp);
        Assert.Contains(r.Warnings, w => w.StartsWith($"{path}:1: line ends with ';'", StringComparison.Ordinal));
        Assert.Contains(r.Warnings, w => w.StartsWith($"{path}:2: line ends with ';'", StringComparison.Ordinal));
        Assert.Contains(r.Warnings, w => w.StartsWith($"{path}:3: line ends with ';'", StringComparison.Ordinal));
    }

    [Fact]
    public void SwitchesInTheFile()
    {
        using var env = new TestEnv();
        env.WriteConfig("no-udp\nno-tcp=false\nno-tls off\nfingerprint = yes\nstun-only=1\n");
        var c = env.LoadNoFiles().Config;
        Assert.True(c.NoUdp);
        Assert.False(c.NoTcp);
        Assert.False(c.NoTls);
        Assert.True(c.Fingerprint);
        Assert.True(c.StunOnly);
    }

    [Fact]
    public void UnknownNameIsAWarningWithFileAndLineAndLoadingContinues()
    {
        using var env = new TestEnv();
        var path = env.WriteConfig("realm=a\nno-such-option=1\n--listening-port=4000\nlistening-port=4001\n");
        var r = env.LoadNoFiles();
        Assert.Equal(4001, r.Config.ListeningPort);
        Assert.Equal("a", r.Config.Realm);
        Assert.Contains($"{path}:2: unknown option 'no-such-option'; line ignored", r.Warnings);
        Assert.Contains(r.Warnings, w => w.StartsWith($"{path}:3: unknown option '--listening-port'", StringComparison.Ordinal)
                                         && w.Contains("without the leading '--'", StringComparison.Ordinal));
    }

    [Fact]
    public void ShortOnlyOptionsAreNotConfigFileNames()
    {
        using var env = new TestEnv();
        var path = env.WriteConfig("n\nversion\n");
        var r = env.LoadNoFiles();
        Assert.Contains($"{path}:1: unknown option 'n'; line ignored", r.Warnings);
        Assert.Contains(r.Warnings, w => w.StartsWith($"{path}:2: option 'version' has no effect", StringComparison.Ordinal));
    }

    [Fact]
    public void InvalidValueInTheFileNamesFileLineOptionAndValue()
    {
        using var env = new TestEnv();
        var path = env.WriteConfig("# ports\n\nlistening-port=34x78\n");
        var e = Assert.Throws<ConfigException>(() => env.LoadNoFiles());
        Assert.Equal(ConfigErrorKind.InvalidValue, e.Kind);
        Assert.Equal("listening-port", e.OptionName);
        Assert.Equal("34x78", e.Value);
        Assert.Equal(path, e.File);
        Assert.Equal(3, e.Line);
        Assert.Equal($"{path}:3: option 'listening-port': invalid value '34x78': not a valid port number (0-65535)", e.Message);
    }

    [Theory]
    [InlineData("realm")]
    [InlineData("realm=")]
    [InlineData("realm = \"\"")]
    [InlineData("listening-ip")]
    public void MissingValueInTheFileIsFatal(string line)
    {
        using var env = new TestEnv();
        var path = env.WriteConfig(line + "\n");
        var e = Assert.Throws<ConfigException>(() => env.LoadNoFiles());
        Assert.Equal(ConfigErrorKind.MissingValue, e.Kind);
        Assert.Equal(1, e.Line);
        Assert.Contains($"{path}:1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyPidfileMeansNoPidFile()
    {
        using var env = new TestEnv();
        env.WriteConfig("pidfile=\"\"\n");
        Assert.Equal(string.Empty, env.LoadNoFiles().Config.PidFile);
        Assert.Null(env.LoadNoFiles("-n").Config.PidFile);
        Assert.Equal(string.Empty, env.LoadNoFiles("-n", "--pidfile=").Config.PidFile);
    }

    [Fact]
    public void CommandLineOverridesTheFile()
    {
        using var env = new TestEnv();
        var path = env.WriteConfig("listening-port=4000\nrealm=file.org\nno-udp\n");
        var r = env.LoadNoFiles("-p", "5000", "--no-udp=false");
        Assert.Equal(5000, r.Config.ListeningPort);
        Assert.Equal("file.org", r.Config.Realm);
        Assert.False(r.Config.NoUdp);
        Assert.Equal("command line", r.Config.GetSource("listening-port"));
        Assert.Equal($"{path}:2", r.Config.GetSource("realm"));
        Assert.True(r.Config.IsSet("realm"));
        Assert.False(r.Config.IsSet("min-port"));
    }

    [Fact]
    public void RepeatableOptionsAccumulateFileThenCommandLine()
    {
        using var env = new TestEnv();
        env.WriteConfig("listening-ip=10.0.0.1\nallowed-peer-ip=10.0.0.0-10.0.0.255\nlistening-ip=10.0.0.2\n"
                        + "static-auth-secret=s1\nalternate-server=1.2.3.4\n");
        var c = env.LoadNoFiles("-L", "10.0.0.3", "--allowed-peer-ip=192.168.1.1", "--static-auth-secret=s2",
            "--alternate-server=[2001:db8::1]:5000").Config;
        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3"], c.ListeningIps.Select(a => a.ToString()));
        Assert.Equal(["10.0.0.0-10.0.0.255", "192.168.1.1"], c.AllowedPeerIps.Select(a => a.ToString()));
        Assert.Equal(["s1", "s2"], c.StaticAuthSecrets);
        Assert.Equal(["1.2.3.4:3478", "[2001:db8::1]:5000"], c.AlternateServers.Select(a => a.ToString()));
    }

    [Fact]
    public void UsersAreAppliedLastFileThenCommandLine()
    {
        using var env = new TestEnv();
        env.WriteConfig("user=alice:0xbc807ee29df3c9ffa736523fb2c4e8ee\nrealm=file.org\nuser=bob:secret\n");
        var c = env.LoadNoFiles("-u", "carol:pw", "-r", "cli.org").Config;
        Assert.Equal("cli.org", c.Realm);
        Assert.Equal(["alice", "bob", "carol"], c.Users.Select(u => u.Name));
        Assert.Equal(Convert.FromHexString("bc807ee29df3c9ffa736523fb2c4e8ee"), c.Users[0].Key);
        Assert.Null(c.Users[0].Password);
        Assert.Equal("secret", c.Users[1].Password);
    }

    [Fact]
    public void LoggingOptionsAreReadBeforeTheOthers()
    {
        // coturn reads the logging options in a first pass: the bad syslog-facility on line 2 is reported before
        // the bad port on line 1.
        using var env = new TestEnv();
        var path = env.WriteConfig("listening-port=bad\nsyslog-facility=LOG_NOPE\n");
        var e = Assert.Throws<ConfigException>(() => env.LoadNoFiles());
        Assert.Equal("syslog-facility", e.OptionName);
        Assert.Equal(2, e.Line);
        Assert.Equal(path, e.File);
    }

    [Fact]
    public void SyslogFacilityIsNormalised()
    {
        using var env = new TestEnv();
        Assert.Equal("LOG_LOCAL1", env.LoadNoFiles("-n", "--syslog-facility=LOG_LOCAL1").Config.SyslogFacility);
        Assert.Equal("LOG_LOCAL2", env.LoadNoFiles("-n", "--syslog-facility=local2").Config.SyslogFacility);
        Assert.Equal("LOG_DAEMON", env.LoadNoFiles("-n", "--syslog-facility=log_daemon").Config.SyslogFacility);
    }

    [Fact]
    public void UnimplementedOptionsAreWarnedExactlyOnceEach()
    {
        using var env = new TestEnv();
        env.WriteConfig("mobility\nmobility=true\ncli-max-output-sessions=5\nlistening-port=4000\nverbose\n");
        var r = env.LoadNoFiles("--mobility", "--cli-max-output-sessions", "6", "--udp-gso", "-p", "4001");
        Assert.Single(r.Warnings, w => w.Contains("'mobility'", StringComparison.Ordinal));
        Assert.Single(r.Warnings, w => w.Contains("'cli-max-output-sessions'", StringComparison.Ordinal));
        Assert.Single(r.Warnings, w => w.Contains("'udp-gso'", StringComparison.Ordinal));
        Assert.Equal(3, r.Warnings.Count(w => w.Contains("not implemented", StringComparison.Ordinal)));
        Assert.DoesNotContain(r.Warnings, w => w.Contains("listening-port", StringComparison.Ordinal));
        Assert.DoesNotContain(r.Warnings, w => w.Contains("verbose", StringComparison.Ordinal));
        Assert.Equal(6, r.Config.CliMaxOutputSessions); // still parsed and stored
        Assert.True(r.Config.Mobility);
    }

    [Fact]
    public void EveryUnimplementedOptionProducesOneWarningNamingIt()
    {
        foreach (var option in OptionTable.All.Where(o => !o.Implemented && !o.SecurityRelevant && o.HasLongName))
        {
            using var env = new TestEnv();
            var arg = option.Argument switch
            {
                ArgumentKind.Required => $"--{option.Name}={SampleValue(option)}",
                _ => "--" + option.Name,
            };
            var r = env.LoadNoFiles("-n", arg, arg, "--no-cli");
            var mentions = r.Warnings.Where(w => w.Contains($"'{option.Name}'", StringComparison.Ordinal)
                                                 && w.Contains("not implemented", StringComparison.Ordinal));
            Assert.True(mentions.Count() == 1, $"{option.Name}: {string.Join(" | ", r.Warnings)}");
        }
    }

    [Fact]
    public void AnUnimplementedSecurityOptionIsFatalWithFileAndLine()
    {
        foreach (var option in OptionTable.All.Where(o => !o.Implemented && o.SecurityRelevant))
        {
            using var env = new TestEnv();
            string line = option.Argument == ArgumentKind.Required ? $"{option.Name}={SampleValue(option)}" : option.Name;
            env.WriteConfig($"listening-port=4000\n{line}\n");
            var e = Assert.Throws<ConfigException>(() => env.LoadNoFiles());
            Assert.Equal(option.Name, e.OptionName);
            Assert.Equal(2, e.Line);
            Assert.Contains("not implemented", e.Message, StringComparison.Ordinal);

            // Switched off, it asks for nothing and is only warned about.
            if (option.Argument is ArgumentKind.None or ArgumentKind.OptionalBoolean)
            {
                env.WriteConfig($"{option.Name}=0\n");
                Assert.Contains(env.LoadNoFiles().Warnings, w => w.Contains($"'{option.Name}'", StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public void DeprecatedAndRemovedOptionsAreWarnedOnce()
    {
        using var env = new TestEnv();
        env.WriteConfig("prod\nprod\nno-loopback-peers\ndh2066\nsha256\nno-sslv3\nsecret-ts-exp-time=3600\nno-http=1\n");
        var r = env.LoadNoFiles("--prod", "--sha384", "--sha512", "--no-sslv2", "-K", "1");
        Assert.Single(r.Warnings, w => w.Contains("'prod' is deprecated", StringComparison.Ordinal));
        Assert.Single(r.Warnings, w => w.Contains("'keep-address-family' is deprecated", StringComparison.Ordinal));
        foreach (var name in new[] { "no-loopback-peers", "dh2066", "sha256", "sha384", "sha512", "no-sslv2", "no-sslv3", "secret-ts-exp-time", "no-http" })
        {
            Assert.Single(r.Warnings, w => w.Contains($"'{name}' is obsolete and ignored", StringComparison.Ordinal));
        }

        Assert.True(r.Config.NoSoftwareAttribute);
        Assert.DoesNotContain(r.Warnings, w => w.Contains("not implemented", StringComparison.Ordinal)
                                               && !w.Contains("keep-address-family", StringComparison.Ordinal));
    }

    internal static string SampleValue(OptionDefinition option) => option.ValueKind switch
    {
        ValueKind.Port => "60000",
        ValueKind.Integer => "3",
        ValueKind.IpAddress => "127.0.0.1",
        ValueKind.AddressRange => "10.0.0.1-10.0.0.9",
        ValueKind.ServerAddress => "1.2.3.4:3478",
        ValueKind.ExternalIp => "1.2.3.4",
        ValueKind.Enum => option.AllowedValues[0],
        ValueKind.User => "user:password",
        ValueKind.Character => ":",
        _ => "value",
    };
}
