namespace Turn.Configuration;

/// <summary>Cross-option checks and file checks, run after all values are applied.</summary>
internal static class ConfigValidator
{
    public static void Validate(TurnServerConfig c, ConfigLoadSettings settings, List<string> warnings)
    {
        if (c.MinPort > c.MaxPort)
        {
            throw Inconsistent(c, "min-port",
                $"min-port {c.MinPort} ({Where(c, "min-port")}) is greater than max-port {c.MaxPort} ({Where(c, "max-port")})",
                c.MinPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        AuthenticationDefaults.Apply(c, warnings, (option, message) => Inconsistent(c, option, message, null));

        if (c.AllowLoopbackPeers)
        {
            warnings.Add("allow-loopback-peers opens a possible security hole; do not use it in production");
            if (!c.NoCli && string.IsNullOrEmpty(c.CliPassword))
            {
                throw Inconsistent(c, "allow-loopback-peers",
                    $"allow-loopback-peers ({Where(c, "allow-loopback-peers")}) cannot be used while the CLI is enabled "
                    + "without a password: set cli-password or no-cli", null);
            }
        }

        if (c.StunOnly && c.NoStun)
        {
            warnings.Add("both stun-only and no-stun are set: the server will answer neither STUN nor TURN requests");
        }

        if (c.NoUdp && c.NoTcp && c.NoTls && c.NoDtls)
        {
            warnings.Add("no-udp, no-tcp, no-tls and no-dtls are all set: there is no client listener");
        }

        if (c.NewLogTimestampFormat is not null && !c.NewLogTimestamp)
        {
            warnings.Add("new-log-timestamp-format has no effect without new-log-timestamp");
        }

        if (c.ExternalIps.Count(e => e.Private is null) > 1)
        {
            warnings.Add("external-ip: only one address without a private mapping may be given; use public/private pairs");
        }

        if (c.Users.Count > 0 && c.UseAuthSecret)
        {
            warnings.Add("user accounts (user=...) cannot be used with use-auth-secret (TURN REST API)");
        }

        if (settings.CheckFiles)
        {
            CheckTlsFiles(c, settings, warnings);
        }
    }

    private static void CheckTlsFiles(TurnServerConfig c, ConfigLoadSettings settings, List<string> warnings)
    {
        if (c.NoTls && c.NoDtls)
        {
            return;
        }

        var cert = settings.FindFile(c.Cert);
        if (cert is null)
        {
            if (c.IsSet("cert"))
            {
                throw Unreadable(c, "cert", c.Cert, "certificate file");
            }

            warnings.Add($"no TLS certificate: '{c.Cert}' not found in the search path; TLS and DTLS listeners are not "
                         + "started (set cert and pkey, or no-tls and no-dtls)");
            c.NoTls = true;
            c.NoDtls = true;
            return;
        }

        var pkey = settings.FindFile(c.Pkey);
        if (pkey is null)
        {
            if (c.IsSet("pkey"))
            {
                throw Unreadable(c, "pkey", c.Pkey, "private key file");
            }

            warnings.Add($"pkey not set and '{c.Pkey}' not found: the private key is expected in the certificate file '{cert}'");
            pkey = cert;
        }

        c.ResolvedCertFile = cert;
        c.ResolvedPkeyFile = pkey;

        if (c.CaFile is not null)
        {
            c.ResolvedCaFile = settings.FindFile(c.CaFile) ?? throw Unreadable(c, "CA-file", c.CaFile, "CA file");
        }

        if (c.DhFile is not null)
        {
            c.ResolvedDhFile = settings.FindFile(c.DhFile) ?? throw Unreadable(c, "dh-file", c.DhFile, "DH parameters file");
        }
    }

    internal static string Where(TurnServerConfig c, string option) => c.GetSource(option) ?? "default";

    private static (string? File, int? Line) Location(TurnServerConfig c, string option)
    {
        var source = c.GetSource(option);
        if (source is null || source == "command line")
        {
            return (null, null);
        }

        var colon = source.LastIndexOf(':');
        return int.TryParse(source.AsSpan(colon + 1), out var line) ? (source[..colon], line) : (source, null);
    }

    private static ConfigException Inconsistent(TurnServerConfig c, string option, string message, string? value)
    {
        var (file, line) = Location(c, option);
        return new ConfigException(ConfigErrorKind.Inconsistent, message, option, value, file, line);
    }

    private static ConfigException Unreadable(TurnServerConfig c, string option, string value, string what)
    {
        var (file, line) = Location(c, option);
        return new ConfigException(ConfigErrorKind.FileNotReadable,
            $"{Where(c, option)}: option '{option}': cannot read {what} '{value}' (searched like the configuration file); "
            + "it is needed by the TLS/DTLS listeners (set no-tls and no-dtls to run without them)",
            option, value, file, line);
    }
}
