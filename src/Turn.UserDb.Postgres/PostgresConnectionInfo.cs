using System.Globalization;
using System.Text;
using Npgsql;

namespace Turn.UserDb.Postgres;

/// <summary>
/// coturn's <c>--psql-userdb</c> value (a libpq connection string, which coturn hands to <c>PQconnectdb</c>) turned
/// into Npgsql settings, following libpq's rules: <c>key=value</c> pairs (values may be single-quoted, with
/// backslash escapes) or a <c>postgresql://</c> / <c>postgres://</c> URI, and the <c>PG*</c> environment variables and
/// libpq defaults for what is not given.
/// </summary>
/// <remarks>
/// <para>Mapping (libpq keyword → Npgsql): <c>host</c> → Host (a comma list, and <c>/dir</c> Unix-socket directories,
/// are kept), <c>hostaddr</c> → Host (libpq connects to it), <c>port</c> → Port (per host when lists), <c>dbname</c> →
/// Database, <c>user</c> → Username, <c>password</c> → Password, <c>passfile</c> → Passfile, <c>connect_timeout</c> →
/// Timeout (seconds; 1 counts as 2 as in libpq; 0, absent or negative = the factory's default instead of libpq's
/// "wait forever"; at most 1024), <c>sslmode</c> → SslMode (disable/allow/prefer/require/verify-ca/verify-full;
/// <c>require</c> with <c>sslrootcert</c> verifies the CA as libpq does), <c>sslrootcert</c> → RootCertificate,
/// <c>sslcert</c> → SslCertificate, <c>sslkey</c> → SslKey, <c>sslpassword</c> → SslPassword, <c>sslnegotiation</c> →
/// SslNegotiation, <c>application_name</c> / <c>fallback_application_name</c> → ApplicationName, <c>options</c> →
/// Options, <c>client_encoding</c> → ClientEncoding, <c>target_session_attrs</c> → TargetSessionAttributes,
/// <c>load_balance_hosts</c> (random/disable) → LoadBalanceHosts, <c>keepalives</c> → TcpKeepAlive,
/// <c>keepalives_idle</c> → TcpKeepAliveTime, <c>keepalives_interval</c> → TcpKeepAliveInterval, <c>gssencmode</c> →
/// GssEncryptionMode, <c>krbsrvname</c> → KerberosServiceName, <c>channel_binding</c> → ChannelBinding,
/// <c>require_auth</c> → RequireAuth. URI query parameters take the same names, plus JDBC's <c>ssl=true</c>
/// (= sslmode=require).</para>
/// <para>Accepted without effect (no Npgsql equivalent, harmless): <c>keepalives_count</c>, <c>tcp_user_timeout</c>,
/// <c>sslcompression</c>, <c>sslsni</c>. Rejected with an error (no equivalent, and ignoring them would weaken
/// security or change the target): <c>service</c>, <c>sslcrl</c>, <c>sslcrldir</c>, <c>requirepeer</c>,
/// <c>ssl_min_protocol_version</c>, <c>ssl_max_protocol_version</c>, <c>gsslib</c>, <c>replication</c>, and any
/// keyword libpq does not know (libpq rejects those too).</para>
/// <para>Defaults, as libpq: <c>PGHOST</c> or the Unix socket directory <c>/var/run/postgresql</c> (Debian's), else
/// localhost; <c>PGPORT</c> or 5432; <c>PGUSER</c> or the operating-system user; <c>PGDATABASE</c> or the user name;
/// <c>PGPASSWORD</c>; <c>PGPASSFILE</c> (Npgsql reads <c>~/.pgpass</c> by itself); <c>PGCONNECT_TIMEOUT</c>,
/// <c>PGSSLMODE</c>, <c>PGSSLROOTCERT</c>, <c>PGSSLCERT</c>, <c>PGSSLKEY</c>, <c>PGAPPNAME</c>, <c>PGOPTIONS</c>,
/// <c>PGCLIENTENCODING</c>, <c>PGTARGETSESSIONATTRS</c>.</para>
/// <para>Error messages name the offending keyword, never a value (a value may be the password).</para>
/// </remarks>
public static class PostgresConnectionInfo
{
    /// <summary>Debian's libpq default socket directory (DEFAULT_PGSOCKET_DIR).</summary>
    public const string DefaultSocketDirectory = "/var/run/postgresql";

    private const int MaxTimeoutSeconds = 1024; // Npgsql's limit

    private static readonly Dictionary<string, string> EnvironmentDefaults = new(StringComparer.Ordinal)
    {
        ["host"] = "PGHOST",
        ["hostaddr"] = "PGHOSTADDR",
        ["port"] = "PGPORT",
        ["dbname"] = "PGDATABASE",
        ["user"] = "PGUSER",
        ["password"] = "PGPASSWORD",
        ["passfile"] = "PGPASSFILE",
        ["connect_timeout"] = "PGCONNECT_TIMEOUT",
        ["sslmode"] = "PGSSLMODE",
        ["sslrootcert"] = "PGSSLROOTCERT",
        ["sslcert"] = "PGSSLCERT",
        ["sslkey"] = "PGSSLKEY",
        ["application_name"] = "PGAPPNAME",
        ["options"] = "PGOPTIONS",
        ["client_encoding"] = "PGCLIENTENCODING",
        ["target_session_attrs"] = "PGTARGETSESSIONATTRS",
        ["gssencmode"] = "PGGSSENCMODE",
        ["krbsrvname"] = "PGKRBSRVNAME",
        ["channel_binding"] = "PGCHANNELBINDING",
        ["require_auth"] = "PGREQUIREAUTH",
        ["load_balance_hosts"] = "PGLOADBALANCEHOSTS",
        ["sslnegotiation"] = "PGSSLNEGOTIATION",
    };

    private static readonly HashSet<string> NoEffect = new(StringComparer.Ordinal) { "keepalives_count", "tcp_user_timeout", "sslcompression", "sslsni" };

    private static readonly HashSet<string> Unsupported = new(StringComparer.Ordinal)
    {
        "service", "sslcrl", "sslcrldir", "requirepeer", "ssl_min_protocol_version", "ssl_max_protocol_version", "gsslib", "replication",
    };

    private static readonly HashSet<string> Mapped = new(StringComparer.Ordinal)
    {
        "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "connect_timeout", "sslmode", "sslrootcert", "sslcert",
        "sslkey", "sslpassword", "sslnegotiation", "application_name", "fallback_application_name", "options", "client_encoding",
        "target_session_attrs", "load_balance_hosts", "keepalives", "keepalives_idle", "keepalives_interval", "gssencmode",
        "krbsrvname", "channel_binding", "require_auth",
    };

    /// <summary>True when <paramref name="conninfo"/> is a URI (<c>postgresql://</c> or <c>postgres://</c>) rather than key=value pairs.</summary>
    public static bool IsUri(string conninfo)
    {
        ArgumentNullException.ThrowIfNull(conninfo);
        return conninfo.StartsWith("postgresql://", StringComparison.Ordinal) || conninfo.StartsWith("postgres://", StringComparison.Ordinal);
    }

    /// <summary>The libpq keywords and values of <paramref name="conninfo"/> as given (no defaults applied).</summary>
    /// <exception cref="UserDbException">Syntax error or unknown keyword.</exception>
    public static IReadOnlyDictionary<string, string> ParseKeywords(string conninfo)
    {
        ArgumentNullException.ThrowIfNull(conninfo);
        Dictionary<string, string> values = IsUri(conninfo) ? ParseUri(conninfo) : ParsePairs(conninfo);
        foreach (string key in values.Keys)
        {
            if (Unsupported.Contains(key))
            {
                throw new UserDbException($"PostgreSQL connection string: \"{key}\" is not supported by this server");
            }

            if (!Mapped.Contains(key) && !NoEffect.Contains(key))
            {
                throw new UserDbException($"PostgreSQL connection string: invalid connection option \"{key}\"");
            }
        }

        return values;
    }

    /// <summary>
    /// Npgsql settings for <paramref name="conninfo"/>. <paramref name="defaultConnectTimeout"/> applies when the string
    /// (and PGCONNECT_TIMEOUT) give none or 0; <paramref name="environment"/> reads the PG* variables (null: the process environment).
    /// </summary>
    /// <exception cref="UserDbException">Syntax error, unknown keyword or bad value (the message never holds a value).</exception>
    public static NpgsqlConnectionStringBuilder ToNpgsql(string conninfo, TimeSpan defaultConnectTimeout, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var given = ParseKeywords(conninfo);
        var v = new Dictionary<string, string>(given, StringComparer.Ordinal);
        foreach (var (key, variable) in EnvironmentDefaults)
        {
            if (!v.ContainsKey(key) && environment(variable) is { Length: > 0 } fromEnv)
            {
                v[key] = fromEnv;
            }
        }

        var b = new NpgsqlConnectionStringBuilder();

        // Host(s) and port(s).
        string hostText = v.TryGetValue("hostaddr", out string? hostaddr) && hostaddr.Length > 0
            ? hostaddr
            : v.TryGetValue("host", out string? host) && host.Length > 0 ? host : DefaultHost();
        string[] hosts = hostText.Split(',');
        string[] ports = v.TryGetValue("port", out string? portText) && portText.Length > 0 ? portText.Split(',') : [];
        if (ports.Length > 1 && ports.Length != hosts.Length)
        {
            throw new UserDbException($"PostgreSQL connection string: could not match {ports.Length} port numbers to {hosts.Length} hosts");
        }

        int[] portNumbers = ports.Select(p => p.Trim().Length == 0 ? 5432 : Port(p)).ToArray();
        if (hosts.Length == 1)
        {
            b.Host = hosts[0].Trim();
            b.Port = portNumbers.Length > 0 ? portNumbers[0] : 5432;
        }
        else
        {
            var list = new StringBuilder();
            for (int i = 0; i < hosts.Length; i++)
            {
                string h = hosts[i].Trim();
                if (h.Length == 0)
                {
                    h = DefaultHost();
                }

                int p = portNumbers.Length == 0 ? 5432 : portNumbers.Length == 1 ? portNumbers[0] : portNumbers[i];
                if (list.Length > 0)
                {
                    list.Append(',');
                }

                list.Append(h.Contains(':', StringComparison.Ordinal) && !h.StartsWith('[') && !h.StartsWith('/') ? $"[{h}]" : h)
                    .Append(':').Append(p.ToString(CultureInfo.InvariantCulture));
            }

            b.Host = list.ToString();
        }

        string user = v.TryGetValue("user", out string? u) && u.Length > 0 ? u : Environment.UserName;
        b.Username = user;
        b.Database = v.TryGetValue("dbname", out string? db) && db.Length > 0 ? db : user;
        if (v.TryGetValue("password", out string? password))
        {
            b.Password = password;
        }

        if (v.TryGetValue("passfile", out string? passfile) && passfile.Length > 0)
        {
            b.Passfile = passfile;
        }

        // Timeouts: libpq treats 0 / negative / absent as "forever" and 1 as 2; we never wait forever.
        int seconds = v.TryGetValue("connect_timeout", out string? ct) ? Math.Max(0, CNumberAtoi(ct)) : 0;
        if (seconds <= 0)
        {
            seconds = Math.Max(1, (int)Math.Ceiling(defaultConnectTimeout.TotalSeconds));
        }
        else if (seconds == 1)
        {
            seconds = 2;
        }

        b.Timeout = Math.Min(seconds, MaxTimeoutSeconds);

        // TLS.
        bool hasRootCert = v.TryGetValue("sslrootcert", out string? rootCert) && rootCert.Length > 0;
        if (v.TryGetValue("sslmode", out string? sslmode))
        {
            b.SslMode = sslmode switch
            {
                "disable" => SslMode.Disable,
                "allow" => SslMode.Allow,
                "prefer" => SslMode.Prefer,
                "require" => hasRootCert ? SslMode.VerifyCA : SslMode.Require,
                "verify-ca" => SslMode.VerifyCA,
                "verify-full" => SslMode.VerifyFull,
                _ => throw new UserDbException($"PostgreSQL connection string: invalid sslmode value (disable, allow, prefer, require, verify-ca or verify-full)"),
            };
        }
        else
        {
            b.SslMode = hasRootCert ? SslMode.VerifyCA : SslMode.Prefer; // libpq: prefer; with a root certificate, verify-ca
        }

        if (hasRootCert)
        {
            b.RootCertificate = rootCert;
        }

        if (v.TryGetValue("sslcert", out string? sslcert) && sslcert.Length > 0)
        {
            b.SslCertificate = sslcert;
        }

        if (v.TryGetValue("sslkey", out string? sslkey) && sslkey.Length > 0)
        {
            b.SslKey = sslkey;
        }

        if (v.TryGetValue("sslpassword", out string? sslpassword))
        {
            b.SslPassword = sslpassword;
        }

        if (v.TryGetValue("sslnegotiation", out string? negotiation))
        {
            b.SslNegotiation = negotiation switch
            {
                "postgres" => SslNegotiation.Postgres,
                "direct" => SslNegotiation.Direct,
                _ => throw new UserDbException("PostgreSQL connection string: invalid sslnegotiation value (postgres or direct)"),
            };
        }

        if (v.TryGetValue("gssencmode", out string? gss))
        {
            b.GssEncryptionMode = gss switch
            {
                "disable" => GssEncryptionMode.Disable,
                "prefer" => GssEncryptionMode.Prefer,
                "require" => GssEncryptionMode.Require,
                _ => throw new UserDbException("PostgreSQL connection string: invalid gssencmode value (disable, prefer or require)"),
            };
        }

        if (v.TryGetValue("channel_binding", out string? binding))
        {
            b.ChannelBinding = binding switch
            {
                "disable" => ChannelBinding.Disable,
                "prefer" => ChannelBinding.Prefer,
                "require" => ChannelBinding.Require,
                _ => throw new UserDbException("PostgreSQL connection string: invalid channel_binding value (disable, prefer or require)"),
            };
        }

        if (v.TryGetValue("require_auth", out string? requireAuth) && requireAuth.Length > 0)
        {
            b.RequireAuth = requireAuth;
        }

        if (v.TryGetValue("krbsrvname", out string? krb) && krb.Length > 0)
        {
            b.KerberosServiceName = krb;
        }

        // Session.
        if ((v.TryGetValue("application_name", out string? app) && app.Length > 0) || (v.TryGetValue("fallback_application_name", out app) && app.Length > 0))
        {
            b.ApplicationName = app;
        }

        if (v.TryGetValue("options", out string? options) && options.Length > 0)
        {
            b.Options = options;
        }

        if (v.TryGetValue("client_encoding", out string? encoding) && encoding.Length > 0)
        {
            b.ClientEncoding = encoding;
        }

        if (v.TryGetValue("target_session_attrs", out string? attrs) && attrs.Length > 0)
        {
            b.TargetSessionAttributes = attrs switch
            {
                "any" or "read-write" or "read-only" or "primary" or "standby" or "prefer-standby" => attrs,
                _ => throw new UserDbException("PostgreSQL connection string: invalid target_session_attrs value"),
            };
        }

        if (v.TryGetValue("load_balance_hosts", out string? balance))
        {
            b.LoadBalanceHosts = balance switch
            {
                "random" => true,
                "disable" => false,
                _ => throw new UserDbException("PostgreSQL connection string: invalid load_balance_hosts value (disable or random)"),
            };
        }

        if (v.TryGetValue("keepalives", out string? keepalives))
        {
            b.TcpKeepAlive = CNumberAtoi(keepalives) != 0;
        }

        if (v.TryGetValue("keepalives_idle", out string? idle) && CNumberAtoi(idle) > 0)
        {
            b.TcpKeepAlive = true;
            b.TcpKeepAliveTime = CNumberAtoi(idle);
        }

        if (v.TryGetValue("keepalives_interval", out string? interval) && CNumberAtoi(interval) > 0)
        {
            b.TcpKeepAliveInterval = CNumberAtoi(interval);
        }

        return b;
    }

    /// <summary>Human-readable form for logs and messages: host, port, database and user, never the password.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder b)
    {
        ArgumentNullException.ThrowIfNull(b);
        return string.Create(CultureInfo.InvariantCulture, $"host={b.Host} port={b.Port} dbname={b.Database} user={b.Username}");
    }

    private static string DefaultHost() => Directory.Exists(DefaultSocketDirectory) ? DefaultSocketDirectory : "localhost";

    private static int Port(string text)
    {
        string t = text.Trim();
        if (!int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port < 1 || port > 65535)
        {
            throw new UserDbException("PostgreSQL connection string: invalid port number");
        }

        return port;
    }

    private static int CNumberAtoi(string text) => Sql.CNumber.Atoi(text);

    // libpq's conninfo_parse: "key = value" pairs separated by whitespace; a value is either single-quoted (backslash
    // escapes the next character) or runs to the next whitespace (backslash escapes there too).
    private static Dictionary<string, string> ParsePairs(string s)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        int i = 0;
        while (true)
        {
            while (i < s.Length && char.IsWhiteSpace(s[i]))
            {
                i++;
            }

            if (i >= s.Length)
            {
                break;
            }

            int keyStart = i;
            while (i < s.Length && s[i] != '=' && !char.IsWhiteSpace(s[i]))
            {
                i++;
            }

            string key = s[keyStart..i];
            while (i < s.Length && char.IsWhiteSpace(s[i]))
            {
                i++;
            }

            if (i >= s.Length || s[i] != '=')
            {
                throw new UserDbException("PostgreSQL connection string: missing \"=\" after a keyword (write key=value pairs; quote values with blanks: key='a b')");
            }

            i++;
            while (i < s.Length && char.IsWhiteSpace(s[i]))
            {
                i++;
            }

            var value = new StringBuilder();
            if (i < s.Length && s[i] == '\'')
            {
                i++;
                bool closed = false;
                while (i < s.Length)
                {
                    char c = s[i++];
                    if (c == '\\' && i < s.Length)
                    {
                        value.Append(s[i++]);
                    }
                    else if (c == '\'')
                    {
                        closed = true;
                        break;
                    }
                    else
                    {
                        value.Append(c);
                    }
                }

                if (!closed)
                {
                    throw new UserDbException($"PostgreSQL connection string: unterminated quoted value of \"{key}\"");
                }
            }
            else
            {
                while (i < s.Length && !char.IsWhiteSpace(s[i]))
                {
                    char c = s[i++];
                    if (c == '\\' && i < s.Length)
                    {
                        value.Append(s[i++]);
                    }
                    else
                    {
                        value.Append(c);
                    }
                }
            }

            if (key.Length == 0)
            {
                throw new UserDbException("PostgreSQL connection string: a value without a keyword");
            }

            result[key] = value.ToString();
        }

        return result;
    }

    // libpq's conninfo_uri_parse: postgresql://[user[:password]@][host][:port][,...][/dbname][?param=value&...]
    private static Dictionary<string, string> ParseUri(string uri)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        string rest = uri[(uri.IndexOf("://", StringComparison.Ordinal) + 3)..];

        // The query string.
        string? query = null;
        int q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        // The database name.
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            string db = rest[(slash + 1)..];
            if (db.Length > 0)
            {
                result["dbname"] = Decode(db, "dbname");
            }

            rest = rest[..slash];
        }

        // User info: everything up to the last '@' of the authority.
        int at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            string userInfo = rest[..at];
            rest = rest[(at + 1)..];
            int colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            string user = colon >= 0 ? userInfo[..colon] : userInfo;
            if (user.Length > 0)
            {
                result["user"] = Decode(user, "user");
            }

            if (colon >= 0)
            {
                result["password"] = Decode(userInfo[(colon + 1)..], "password");
            }
        }

        // Hosts and ports.
        if (rest.Length > 0)
        {
            var hosts = new List<string>();
            var ports = new List<string>();
            foreach (string part in rest.Split(','))
            {
                string h = part;
                string p = string.Empty;
                if (h.StartsWith('['))
                {
                    int close = h.IndexOf(']', StringComparison.Ordinal);
                    if (close < 0)
                    {
                        throw new UserDbException("PostgreSQL connection URI: missing \"]\" after an IPv6 host address");
                    }

                    string after = h[(close + 1)..];
                    if (after.Length > 0 && after[0] != ':')
                    {
                        throw new UserDbException("PostgreSQL connection URI: unexpected character after an IPv6 host address");
                    }

                    p = after.Length > 0 ? after[1..] : string.Empty;
                    h = h[1..close];
                }
                else
                {
                    int colon = h.LastIndexOf(':');
                    if (colon >= 0)
                    {
                        p = h[(colon + 1)..];
                        h = h[..colon];
                    }

                    h = Decode(h, "host");
                }

                hosts.Add(h);
                ports.Add(Decode(p, "port"));
            }

            if (hosts.Any(h => h.Length > 0))
            {
                result["host"] = string.Join(',', hosts);
            }

            if (ports.Any(p => p.Length > 0))
            {
                result["port"] = string.Join(',', ports);
            }
        }

        if (query is not null)
        {
            foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq < 0)
                {
                    throw new UserDbException("PostgreSQL connection URI: missing key/value separator \"=\" in a query parameter");
                }

                string key = Decode(pair[..eq], "query parameter");
                string value = Decode(pair[(eq + 1)..], key);
                if (key == "ssl")
                {
                    if (value != "true")
                    {
                        throw new UserDbException("PostgreSQL connection URI: the only value of \"ssl\" is \"true\"");
                    }

                    key = "sslmode";
                    value = "require";
                }

                result[key] = value;
            }
        }

        return result;
    }

    private static string Decode(string text, string what)
    {
        if (!text.Contains('%', StringComparison.Ordinal))
        {
            return text;
        }

        var bytes = new List<byte>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length || !char.IsAsciiHexDigit(text[i + 1]) || !char.IsAsciiHexDigit(text[i + 2]))
                {
                    throw new UserDbException($"PostgreSQL connection URI: invalid percent-encoded token in the {what}");
                }

                byte b = byte.Parse(text.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (b == 0)
                {
                    throw new UserDbException($"PostgreSQL connection URI: forbidden value %00 in the {what}");
                }

                bytes.Add(b);
                i += 2;
            }
            else
            {
                int next = text.IndexOf('%', i);
                int end = next < 0 ? text.Length : next;
                bytes.AddRange(Encoding.UTF8.GetBytes(text[i..end]));
                i = end - 1;
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
