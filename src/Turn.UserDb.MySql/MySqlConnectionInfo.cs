using System.Globalization;
using MySql.Data.MySqlClient;

namespace Turn.UserDb.MySql;

/// <summary>
/// coturn's <c>--mysql-userdb</c> value turned into MySql.Data (Connector/NET) settings. coturn's syntax: blank-separated
/// <c>key=value</c> tokens (no quoting: a value ends at the next blank and may hold <c>=</c>), with these keys and
/// aliases, any other key being an error:
/// <c>host</c> (<c>ip</c>, <c>addr</c>, <c>ipaddr</c>, <c>hostaddr</c>), <c>dbname</c> (<c>db</c>, <c>database</c>),
/// <c>user</c> (<c>uname</c>, <c>name</c>, <c>username</c>), <c>password</c> (<c>pwd</c>, <c>passwd</c>, <c>secret</c>),
/// <c>port</c> (<c>p</c>), <c>connect_timeout</c> (<c>timeout</c>), <c>read_timeout</c>, and the TLS keys of
/// <c>mysql_ssl_set</c>: <c>key</c> (<c>ssl-key</c>), <c>cert</c> (<c>ssl-cert</c>), <c>ca</c> (<c>ssl-ca</c>),
/// <c>capath</c> (<c>ssl-capath</c>), <c>cipher</c> (<c>ssl-cipher</c>).
/// </summary>
/// <remarks>
/// <para>Mapping: host → Server (default 127.0.0.1, as coturn; <c>localhost</c> means the Unix socket as it does for
/// libmysqlclient: <c>$MYSQL_UNIX_PORT</c> or <c>/run/mysqld/mysqld.sock</c> when that socket exists, else TCP to
/// localhost; a host starting with <c>/</c> is a socket path), port → Port (0 or absent: 3306), dbname → Database
/// (coturn's default is "0"), user → UserID, password → Password (decrypted first when a <c>--secret-key-file</c> key
/// is given, as coturn does), connect_timeout → ConnectionTimeout (seconds; 0 or absent: the factory's default, where
/// libmysqlclient would use the system's TCP timeout), read_timeout → DefaultCommandTimeout (seconds; libmysqlclient's
/// per-read timeout becomes a per-statement one; 0 or absent: the factory's default). CharacterSet is utf8mb4.</para>
/// <para>TLS: with none of the TLS keys the connection is not encrypted (SslMode=None), as coturn's. <c>ca</c> →
/// SslCa (PEM file) with SslMode=VerifyCA: the server certificate must chain to that CA (host name not checked, as
/// MySQL's VERIFY_CA). <c>capath</c> (a directory of CA certificates) has no Connector/NET equivalent: it gives
/// SslMode=VerifyCA against the system trust store (put a private CA there, or name its file with <c>ca</c>).
/// <c>cert</c> + <c>key</c> → SslCert + SslKey (PEM client certificate; both are needed). <c>cipher</c> cannot be
/// mapped (Connector/NET takes no cipher list; .NET negotiates with the system's OpenSSL policy) and is ignored, but
/// still requires TLS. <c>cert</c>, <c>key</c> or <c>cipher</c> without <c>ca</c>/<c>capath</c> → SslMode=Required
/// (encrypted, server certificate not verified), which is what coturn gets from libmariadb's <c>mysql_ssl_set</c>.</para>
/// <para>Error messages name the offending key, never a value.</para>
/// </remarks>
public static class MySqlConnectionInfo
{
    /// <summary>Debian's MariaDB/MySQL server socket (libmysqlclient's default for host "localhost").</summary>
    public const string DefaultSocket = "/run/mysqld/mysqld.sock";

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["host"] = "host", ["ip"] = "host", ["addr"] = "host", ["ipaddr"] = "host", ["hostaddr"] = "host",
        ["dbname"] = "dbname", ["db"] = "dbname", ["database"] = "dbname",
        ["user"] = "user", ["uname"] = "user", ["name"] = "user", ["username"] = "user",
        ["password"] = "password", ["pwd"] = "password", ["passwd"] = "password", ["secret"] = "password",
        ["port"] = "port", ["p"] = "port",
        ["connect_timeout"] = "connect_timeout", ["timeout"] = "connect_timeout",
        ["read_timeout"] = "read_timeout",
        ["key"] = "key", ["ssl-key"] = "key",
        ["ca"] = "ca", ["ssl-ca"] = "ca",
        ["capath"] = "capath", ["ssl-capath"] = "capath",
        ["cert"] = "cert", ["ssl-cert"] = "cert",
        ["cipher"] = "cipher", ["ssl-cipher"] = "cipher",
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
                throw new UserDbException("MySQL connection string format error: a word without \"=\" (write key=value pairs separated by blanks)");
            }

            string key = token[..eq];
            if (!Aliases.TryGetValue(key, out string? canonical))
            {
                throw new UserDbException($"MySQL connection string format error: unknown key \"{key}\"");
            }

            result[canonical] = token[(eq + 1)..];
        }

        return result;
    }

    /// <summary>MySql.Data settings for <paramref name="connectionString"/> (see the type remarks).</summary>
    /// <param name="connectionString">coturn's string.</param>
    /// <param name="defaultConnectTimeout">When connect_timeout is absent or 0.</param>
    /// <param name="defaultCommandTimeout">When read_timeout is absent or 0.</param>
    /// <param name="secretKey">The 16-byte key of coturn's <c>--secret-key-file</c>: the password is then AES-encrypted (<c>turnadmin -E</c>).</param>
    /// <param name="environment">Reads MYSQL_UNIX_PORT; null = the process environment.</param>
    /// <exception cref="UserDbException">Malformed string, or the password cannot be decrypted.</exception>
    public static MySqlConnectionStringBuilder ToMySqlData(
        string connectionString,
        TimeSpan defaultConnectTimeout,
        TimeSpan defaultCommandTimeout,
        ReadOnlySpan<byte> secretKey = default,
        Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var v = ParseKeywords(connectionString);
        var b = new MySqlConnectionStringBuilder
        {
            CharacterSet = "utf8mb4",
            Pooling = true,
            PersistSecurityInfo = false,
            AllowUserVariables = false,
            AllowLoadLocalInfile = false,
        };

        string host = v.TryGetValue("host", out string? h) && h.Length > 0 ? h : "127.0.0.1";
        string? socket = host.StartsWith('/') ? host : host == "localhost" ? LocalSocket(environment) : null;
        if (socket is not null)
        {
            b.Server = socket;
            b.ConnectionProtocol = MySqlConnectionProtocol.UnixSocket;
        }
        else
        {
            b.Server = host;
            b.ConnectionProtocol = MySqlConnectionProtocol.Tcp;
        }

        int port = v.TryGetValue("port", out string? p) ? Sql.CNumber.Atoi(p) : 0;
        if (port < 0 || port > 65535)
        {
            throw new UserDbException("MySQL connection string: invalid port number");
        }

        b.Port = (uint)(port == 0 ? 3306 : port);
        b.Database = v.TryGetValue("dbname", out string? db) ? db : "0";
        b.UserID = v.TryGetValue("user", out string? user) ? user : string.Empty;

        string password = v.TryGetValue("password", out string? pw) ? pw : string.Empty;
        if (!secretKey.IsEmpty)
        {
            try
            {
                password = SecretKeyCipher.Decrypt(secretKey, password);
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                throw new UserDbException("MySQL connection string: the password cannot be decrypted with the secret key file (is it the output of turnadmin -E with this key?)");
            }
        }

        b.Password = password;

        int connectTimeout = v.TryGetValue("connect_timeout", out string? ct) ? Sql.CNumber.Atoi(ct) : 0;
        b.ConnectionTimeout = (uint)(connectTimeout > 0 ? connectTimeout : Math.Max(1, (int)Math.Ceiling(defaultConnectTimeout.TotalSeconds)));
        int readTimeout = v.TryGetValue("read_timeout", out string? rt) ? Sql.CNumber.Atoi(rt) : 0;
        b.DefaultCommandTimeout = (uint)(readTimeout > 0 ? readTimeout : Math.Max(1, (int)Math.Ceiling(defaultCommandTimeout.TotalSeconds)));

        // TLS (mysql_ssl_set's keys).
        bool ca = v.TryGetValue("ca", out string? caFile) && caFile.Length > 0;
        bool capath = v.TryGetValue("capath", out string? caDir) && caDir.Length > 0;
        bool cert = v.TryGetValue("cert", out string? certFile) && certFile.Length > 0;
        bool key = v.TryGetValue("key", out string? keyFile) && keyFile.Length > 0;
        bool cipher = v.TryGetValue("cipher", out string? cipherList) && cipherList.Length > 0;
        if (cert != key)
        {
            throw new UserDbException("MySQL connection string: a client certificate needs both cert= and key= (PEM files)");
        }

        if (ca || capath)
        {
            b.SslMode = MySqlSslMode.VerifyCA;
        }
        else if (cert || cipher)
        {
            b.SslMode = MySqlSslMode.Required;
        }
        else
        {
            b.SslMode = MySqlSslMode.None;
        }

        if (ca)
        {
            b["SslCa"] = caFile;
        }

        if (cert)
        {
            b["SslCert"] = certFile;
            b["SslKey"] = keyFile;
        }

        return b;
    }

    /// <summary>Human-readable form for logs and messages: server, port, database and user, never the password.</summary>
    public static string Describe(MySqlConnectionStringBuilder b)
    {
        ArgumentNullException.ThrowIfNull(b);
        return b.ConnectionProtocol == MySqlConnectionProtocol.UnixSocket
            ? string.Create(CultureInfo.InvariantCulture, $"socket={b.Server} dbname={b.Database} user={b.UserID}")
            : string.Create(CultureInfo.InvariantCulture, $"host={b.Server} port={b.Port} dbname={b.Database} user={b.UserID}");
    }

    private static string? LocalSocket(Func<string, string?> environment)
    {
        string path = environment("MYSQL_UNIX_PORT") is { Length: > 0 } fromEnv ? fromEnv : DefaultSocket;
        return File.Exists(path) ? path : null;
    }
}
