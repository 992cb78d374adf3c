using System.Globalization;
using System.Net;
using StackExchange.Redis;

namespace Turn.UserDb.Redis;

/// <summary>
/// coturn's <c>--redis-userdb</c> value turned into StackExchange.Redis settings. coturn's syntax: blank-separated
/// <c>key=value</c> tokens (no quoting), with these keys and aliases, any other key being an error:
/// <c>host</c> (<c>ip</c>, <c>addr</c>, <c>ipaddr</c>, <c>hostaddr</c>), <c>dbname</c> (<c>db</c>, <c>database</c>),
/// <c>password</c> (<c>pwd</c>, <c>passwd</c>, <c>secret</c>), <c>port</c> (<c>p</c>), <c>connect_timeout</c>
/// (<c>timeout</c>), and <c>user</c> (<c>uname</c>, <c>name</c>, <c>username</c>), which coturn 4.6.1 accepts and ignores.
/// </summary>
/// <remarks>
/// Mapping: host → the one endpoint (default 127.0.0.1, as coturn), port → its port (0 or absent: 6379), dbname →
/// DefaultDatabase (C atoi, as coturn's <c>SELECT</c>; default 0), password → Password (AUTH; empty = none),
/// connect_timeout → ConnectTimeout (seconds; 0 or absent: the factory's default where hiredis would use the system's
/// TCP timeout). user is ignored as by coturn 4.6.1 (Redis 6 ACL users need a newer client than StackExchange.Redis
/// 1.2.6). Error messages name the offending key, never a value.
/// </remarks>
public static class RedisConnectionInfo
{
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["host"] = "host", ["ip"] = "host", ["addr"] = "host", ["ipaddr"] = "host", ["hostaddr"] = "host",
        ["dbname"] = "dbname", ["db"] = "dbname", ["database"] = "dbname",
        ["user"] = "user", ["uname"] = "user", ["name"] = "user", ["username"] = "user",
        ["password"] = "password", ["pwd"] = "password", ["passwd"] = "password", ["secret"] = "password",
        ["port"] = "port", ["p"] = "port",
        ["connect_timeout"] = "connect_timeout", ["timeout"] = "connect_timeout",
    };

    /// <summary>The values of <paramref name="connectionString"/> under their canonical key names (no defaults applied).</summary>
    /// <exception cref="UserDbException">A token without <c>=</c> or an unknown key (coturn's "connection string format error").</exception>
    public static IReadOnlyDictionary<string, string> ParseKeywords(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string token in connectionString.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = token.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                throw new UserDbException("Redis connection string format error: a word without \"=\" (write key=value pairs separated by blanks)");
            }

            string key = token[..eq];
            if (!Aliases.TryGetValue(key, out string? canonical))
            {
                throw new UserDbException($"Redis connection string format error: unknown key \"{key}\"");
            }

            result[canonical] = token[(eq + 1)..];
        }

        return result;
    }

    /// <summary>StackExchange.Redis settings for <paramref name="connectionString"/> (see the type remarks).</summary>
    /// <exception cref="UserDbException">The string is malformed.</exception>
    public static ConfigurationOptions ToConfigurationOptions(string connectionString, TimeSpan defaultConnectTimeout, TimeSpan commandTimeout)
    {
        var v = ParseKeywords(connectionString);
        string host = v.TryGetValue("host", out string? h) && h.Length > 0 ? h : "127.0.0.1";
        int port = v.TryGetValue("port", out string? p) ? Sql.CNumber.Atoi(p) : 0;
        if (port < 0 || port > 65535)
        {
            throw new UserDbException("Redis connection string: invalid port number");
        }

        if (port == 0)
        {
            port = 6379;
        }

        int db = v.TryGetValue("dbname", out string? d) ? Sql.CNumber.Atoi(d) : 0;
        if (db < 0)
        {
            throw new UserDbException("Redis connection string: invalid database number");
        }

        int connectSeconds = v.TryGetValue("connect_timeout", out string? t) ? Sql.CNumber.Atoi(t) : 0;
        int connectMs = connectSeconds > 0 ? (int)Math.Min(connectSeconds * 1000L, int.MaxValue) : (int)Math.Clamp(defaultConnectTimeout.TotalMilliseconds, 1, int.MaxValue);
        int commandMs = (int)Math.Clamp(commandTimeout.TotalMilliseconds, 1, int.MaxValue);

        var options = new ConfigurationOptions
        {
            DefaultDatabase = db,
            ConnectTimeout = connectMs,
            SyncTimeout = commandMs,
            ResponseTimeout = commandMs,
            AbortOnConnectFail = true,
            ConnectRetry = 1,
            KeepAlive = 60,
            AllowAdmin = true, // only for BGSAVE after writes (coturn's turnadmin SAVEs after each one)
            TieBreaker = string.Empty,
            ConfigurationChannel = string.Empty,
            ClientName = "turn-dotnet",
            DefaultVersion = new Version(2, 8, 0), // SCAN, not KEYS, even if INFO is not allowed
            ResolveDns = false,
        };
        if (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? address))
        {
            options.EndPoints.Add(new IPEndPoint(address, port));
        }
        else
        {
            options.EndPoints.Add(host, port);
        }

        if (v.TryGetValue("password", out string? password) && password.Length > 0)
        {
            options.Password = password;
        }

        return options;
    }

    /// <summary>Human-readable form for logs and messages: endpoint and database, never the password.</summary>
    public static string Describe(ConfigurationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        EndPoint? endPoint = options.EndPoints.Count > 0 ? options.EndPoints[0] : null;
        string where = endPoint switch
        {
            IPEndPoint ip => string.Create(CultureInfo.InvariantCulture, $"ip={ip.Address} port={ip.Port}"),
            DnsEndPoint dns => string.Create(CultureInfo.InvariantCulture, $"host={dns.Host} port={dns.Port}"),
            _ => "host=?",
        };
        return string.Create(CultureInfo.InvariantCulture, $"{where} dbname={options.DefaultDatabase ?? 0}");
    }
}
