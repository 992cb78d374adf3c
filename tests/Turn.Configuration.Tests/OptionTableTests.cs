namespace Turn.Configuration.Tests;

public class OptionTableTests
{
    /// <summary>
    /// Every long name of coturn 4.6.1's long_options[] (COTURN_SURFACE.md §1): "name short kind [rep]", where short
    /// is the letter or "-", kind is req (required_argument), opt (optional_argument, boolean unless noted), opt(int)
    /// (optional_argument holding an integer), and rep marks accumulating options.
    /// </summary>
    public static readonly string[] Coturn461 =
    [
        "acme-redirect - req",
        "allocation-default-address-family A req",
        "allow-loopback-peers - opt",
        "allowed-peer-ip - req rep",
        "alt-listening-port - req",
        "alt-tls-listening-port - req",
        "alternate-server - req rep",
        "aux-server - req rep",
        "bps-capacity B req",
        "CA-file - req",
        "cert - req",
        "channel-lifetime - opt(int)",
        "check-origin-consistency - opt",
        "cipher-list - req",
        "cli-ip - req",
        "cli-max-output-sessions - req",
        "cli-password - req",
        "cli-port - req",
        "daemon o opt",
        "db b req",
        "denied-peer-ip - req rep",
        "dh-file - req",
        "dh1066 - opt",
        "dh566 - opt",
        "ec-curve-name - req",
        "external-ip X req rep",
        "fingerprint f opt",
        "keep-address-family K opt",
        "listening-device d req",
        "listening-ip L req rep",
        "listening-port p req",
        "log-binding - opt",
        "log-file l req",
        "lt-cred-mech a opt",
        "max-allocate-lifetime - opt(int)",
        "max-allocate-timeout - req",
        "max-bps s req",
        "max-port - req",
        "min-port - req",
        "mobility - opt",
        "mongo-userdb J req",
        "mysql-userdb M req",
        "ne - req",
        "new-log-timestamp - opt",
        "new-log-timestamp-format - req",
        "no-auth z opt",
        "no-auth-pings - opt",
        "no-cli - opt",
        "no-dtls - opt",
        "no-dynamic-ip-list - opt",
        "no-dynamic-realms - opt",
        "no-multicast-peers - opt",
        "no-rfc5780 - opt",
        "no-software-attribute - opt",
        "no-sslv2 - opt",
        "no-sslv3 - opt",
        "no-stdout-log - opt",
        "no-stun - opt",
        "no-stun-backward-compatibility - opt",
        "no-tcp - opt",
        "no-tcp-relay - opt",
        "no-tls - opt",
        "no-tlsv1 - opt",
        "no-tlsv1_1 - opt",
        "no-tlsv1_2 - opt",
        "no-udp - opt",
        "no-udp-relay - opt",
        "oauth - opt",
        "permission-lifetime - opt(int)",
        "pidfile - req",
        "pkey - req",
        "pkey-pwd - req",
        "proc-group - req",
        "proc-user - req",
        "prod - opt",
        "prometheus - opt",
        "prometheus-port - opt",
        "prometheus-username-labels - opt",
        "psql-userdb e req",
        "realm r req",
        "redis-statsdb O req",
        "redis-userdb N req",
        "relay-device i req",
        "relay-ip E req rep",
        "relay-threads m req",
        "response-origin-only-with-rfc5780 - opt",
        "rest-api-separator C req",
        "secret-key-file - req",
        "secret-ts-exp-time - opt",
        "secure-stun - opt",
        "server-name - req",
        "server-relay - opt",
        "simple-log - opt",
        "sql-userdb e req",
        "stale-nonce - opt(int)",
        "static-auth-secret - req rep",
        "stun-only S opt",
        "syslog - opt",
        "syslog-facility - req",
        "tcp-proxy-port - req",
        "tls-alternate-server - req rep",
        "tls-listening-port - req",
        "total-quota Q req",
        "udp-self-balance - opt",
        "use-auth-secret - opt",
        "user u req rep",
        "user-quota q req",
        "userdb b req",
        "Verbose V opt",
        "verbose v opt",
        "version - opt",
        "web-admin - opt",
        "web-admin-ip - req",
        "web-admin-listen-on-workers - opt",
        "web-admin-port - req",
    ];

    /// <summary>Long options added upstream after 4.6.1 (COTURN_SURFACE.md §3.1), with their argument kind.</summary>
    public static readonly string[] Upstream =
    [
        "prometheus-address req", "raw-public-keys opt", "respond-http-unsupported opt", "prometheus-path req",
        "rfc5780 opt", "software-attribute opt", "stun-backward-compatibility opt", "tlsv1 opt", "tlsv1_1 opt",
        "cpus req", "sock-buf-size req", "drop-invalid-packets opt", "drop-invalid-packets-log opt", "cli opt",
        "include-reason-string opt", "udp-recvmmsg opt", "udp-recvmmsg-log opt", "udp-gso opt", "udp-sendmmsg-log opt",
        "multiplex-peer none", "multiplex-peer-port req", "multiplex-peer-max-peers req", "unauthorized-ratelimit opt",
        "unauthorized-ratelimit-rps opt", "prometheus-tls opt", "prometheus-cert req", "prometheus-key req",
        "log-min-level req", "drain-min-allocations req", "udp-alternate-server req", "tcp-alternate-server req",
        "stateless-nonce opt", "stateless-nonce-secret req", "rfc3489-compatibility opt", "rfc5766-channel-numbers opt",
        "dtls opt",
    ];

    /// <summary>Removed options still seen in real configs (COTURN_SURFACE.md §2).</summary>
    public static readonly string[] Removed =
        ["no-loopback-peers", "dh2066", "no-http", "sha256", "sha384", "sha512", "secret-ts-exp-time"];

    /// <summary>The options the brief lists as implemented now (config/process/logging and STUN/listener options).</summary>
    public static readonly string[] ImplementedNow =
    [
        "dtls-max-handshakes", "dtls-max-handshakes-per-source", "tcp-message-timeout", "tcp-idle-timeout", "max-connections-per-source", "tcp-proxy-allowed-ip",
        "c", "n", "h", "version", "pidfile", "proc-user", "proc-group", "log-file", "no-stdout-log", "syslog", "syslog-facility", "simple-log",
        "new-log-timestamp", "new-log-timestamp-format", "verbose", "Verbose", "log-binding", "log-min-level",
        "listening-ip", "listening-port", "tls-listening-port", "alt-listening-port", "alt-tls-listening-port", "no-udp",
        "no-tcp", "no-tls", "no-dtls", "stun-only", "no-stun", "fingerprint", "no-software-attribute",
        "software-attribute", "prod", "no-stun-backward-compatibility", "stun-backward-compatibility",
        "response-origin-only-with-rfc5780", "relay-threads", "cpus", "no-cli", "cli",
        // not in the brief's list but the inverse of an implemented switch (same property):
        "dtls",
        // TURN relay over UDP (issue 3):
        "relay-ip", "external-ip", "min-port", "max-port", "no-udp-relay", "no-tcp-relay", "server-relay", "allocation-default-address-family", "keep-address-family", "max-allocate-lifetime", "channel-lifetime", "permission-lifetime", "rfc5766-channel-numbers", "allow-loopback-peers", "no-multicast-peers", "allowed-peer-ip", "denied-peer-ip", "lt-cred-mech", "no-auth", "user", "realm", "use-auth-secret", "static-auth-secret", "rest-api-separator", "stale-nonce", "user-quota", "total-quota", "max-bps", "bps-capacity", "stateless-nonce", "sock-buf-size",
        // user databases (issue 5):
        "userdb", "psql-userdb", "mysql-userdb", "redis-userdb", "no-dynamic-ip-list", "no-dynamic-realms", "oauth", "server-name",
        // status database (allocation statuses and traffic in coturn's Redis layout):
        "redis-statsdb",
        // TLS listeners:
        "cert", "pkey", "pkey-pwd", "cipher-list", "CA-file", "no-tlsv1", "no-tlsv1_1", "no-tlsv1_2", "tlsv1", "tlsv1_1",
        // RFC 5780 NAT behaviour discovery and the PROXY protocol listener:
        "no-rfc5780", "rfc5780", "tcp-proxy-port",
        // allocation bounds and origin consistency (issue 9):
        "max-allocate-timeout", "check-origin-consistency", "max-permissions-per-allocation", "max-channels-per-allocation",
    ];

    public static TheoryData<string> Coturn461Rows() => [.. Coturn461];

    [Fact]
    public void ExpectedDataHas115Names() => Assert.Equal(115, Coturn461.Length);

    [Theory]
    [MemberData(nameof(Coturn461Rows))]
    public void EveryCoturn461LongNameIsDeclaredWithItsShortLetterAndKind(string row)
    {
        var parts = row.Split(' ');
        var name = parts[0];
        var option = OptionTable.FindLong(name);
        Assert.NotNull(option);
        Assert.Equal(parts[1] == "-" ? null : parts[1][0], option.ShortName);
        switch (parts[2])
        {
            case "req":
                Assert.Equal(ArgumentKind.Required, option.Argument);
                break;
            case "opt(int)":
                Assert.Equal(ArgumentKind.OptionalInteger, option.Argument);
                break;
            case "opt":
                Assert.True(option.Argument is ArgumentKind.OptionalBoolean or ArgumentKind.OptionalInteger,
                    $"{name}: expected an optional argument, got {option.Argument}");
                break;
            default:
                Assert.Fail("bad test data " + row);
                break;
        }

        Assert.Equal(parts.Length > 3 && parts[3] == "rep", option.Repeatable);
    }

    [Fact]
    public void UpstreamOptionsAreDeclared()
    {
        foreach (var row in Upstream)
        {
            var (name, kind) = (row.Split(' ')[0], row.Split(' ')[1]);
            var option = OptionTable.FindLong(name);
            Assert.True(option is not null, name);
            var expected = kind switch
            {
                "req" => new[] { ArgumentKind.Required },
                "none" => [ArgumentKind.None],
                _ => [ArgumentKind.OptionalBoolean, ArgumentKind.OptionalInteger],
            };
            Assert.Contains(option.Argument, expected);
            Assert.NotEqual("4.6.1", option.Since);
        }
    }

    [Fact]
    public void RemovedOptionsAreAcceptedAsObsolete()
    {
        foreach (var name in Removed)
        {
            var option = OptionTable.FindLong(name);
            Assert.True(option is not null, name);
            Assert.Equal(OptionStatus.Removed, option.Status);
        }
    }

    [Fact]
    public void ShortLettersMatchCoturnsGetoptString()
    {
        var letters = OptionTable.ShortOptionString.Replace(":", "", StringComparison.Ordinal);
        foreach (var letter in letters)
        {
            var option = OptionTable.FindShort(letter);
            Assert.True(option is not null, "-" + letter);
            var index = OptionTable.ShortOptionString.IndexOf(letter, StringComparison.Ordinal);
            var takesValue = index + 1 < OptionTable.ShortOptionString.Length && OptionTable.ShortOptionString[index + 1] == ':';
            Assert.Equal(takesValue, option.ShortTakesValue);
        }

        Assert.Equal(letters.Length, OptionTable.All.Count(o => o.ShortName is not null));
        Assert.True(OptionTable.FindShort('K')!.ShortTakesValue);
        Assert.Equal(ArgumentKind.OptionalBoolean, OptionTable.FindShort('K')!.Argument);
    }

    [Fact]
    public void ShortOnlyOptionsHaveNoLongForm()
    {
        foreach (var letter in "cnh")
        {
            var option = OptionTable.FindShort(letter)!;
            Assert.False(option.HasLongName);
            Assert.Null(OptionTable.FindLong(letter.ToString()));
        }
    }

    [Fact]
    public void NamesAreUnique()
    {
        var names = OptionTable.All.SelectMany(o => o.HasLongName ? o.LongNames : [o.Name]).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void AliasesResolveToTheSameOption()
    {
        Assert.Same(OptionTable.FindLong("userdb"), OptionTable.FindLong("db"));
        Assert.Same(OptionTable.FindLong("psql-userdb"), OptionTable.FindLong("sql-userdb"));
        Assert.Same(OptionTable.FindLong("userdb"), OptionTable.FindShort('b'));
    }

    [Fact]
    public void EveryOptionHasHelpAndASection()
    {
        foreach (var option in OptionTable.All)
        {
            Assert.False(string.IsNullOrWhiteSpace(option.Help), option.Name);
            Assert.True(option.Help.EndsWith('.'), option.Name + ": help should be a sentence");
        }
    }

    [Fact]
    public void ImplementedFlagsAreExactlyTheAgreedSet()
    {
        var implemented = OptionTable.All
            .Where(o => o.Implemented && o.Status != OptionStatus.Removed)
            .Select(o => o.Name)
            .Order(StringComparer.Ordinal);
        Assert.Equal(ImplementedNow.Order(StringComparer.Ordinal), implemented);
    }

    [Fact]
    public void EveryBoundPropertyExistsOnTheConfig()
    {
        foreach (var option in OptionTable.All.Where(o => o.PropertyName is not null))
        {
            Assert.NotNull(typeof(TurnServerConfig).GetProperty(option.PropertyName!));
        }

        Assert.Equal("ListeningPort", OptionTable.FindLong("listening-port")!.PropertyName);
        Assert.Equal("CaFile", OptionTable.FindLong("CA-file")!.PropertyName);
    }

    [Fact]
    public void EveryActiveOptionExceptTheSpecialOnesAppliesToTheConfig()
    {
        foreach (var option in OptionTable.All.Where(o => o.Status != OptionStatus.Removed && o.HasLongName && o.Name != "version"))
        {
            Assert.True(option.PropertyName is not null, option.Name + " has no property");
        }
    }

    [Fact]
    public void DefaultsComeFromTheConfigObject()
    {
        Assert.Equal("3478", OptionTable.FindLong("listening-port")!.DefaultText);
        Assert.Equal("5349", OptionTable.FindLong("tls-listening-port")!.DefaultText);
        Assert.Equal("49152", OptionTable.FindLong("min-port")!.DefaultText);
        Assert.Equal("65535", OptionTable.FindLong("max-port")!.DefaultText);
        Assert.Equal("ipv4", OptionTable.FindLong("allocation-default-address-family")!.DefaultText);
        Assert.Equal("':'", OptionTable.FindLong("rest-api-separator")!.DefaultText);
        Assert.Equal("3600", OptionTable.FindLong("max-allocate-lifetime")!.DefaultText);
        Assert.Null(OptionTable.FindLong("no-udp")!.DefaultText);
    }

    [Fact]
    public void EveryOptionNamedInTheReferenceConfigIsKnown()
    {
        // The reference config documents options in commented-out lines such as "#listening-port=3478".
        var names = File.ReadAllLines(TestData.PathOf("coturn-example-turnserver.conf"))
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, "^#([A-Za-z][A-Za-z0-9_-]*)(=| |$)"))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value)
            .Where(n => n != "Local") // a prose line
            .Distinct()
            .ToList();
        Assert.True(names.Count > 90, "expected the commented option lines, found " + names.Count);
        foreach (var name in names)
        {
            Assert.True(OptionTable.FindLong(name) is not null, name);
        }
    }
}
