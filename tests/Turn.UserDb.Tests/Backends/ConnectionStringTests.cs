using MySql.Data.MySqlClient;
using Npgsql;
using StackExchange.Redis;
using Turn.UserDb.MySql;
using Turn.UserDb.Postgres;
using Turn.UserDb.Redis;

namespace Turn.UserDb.Tests.Backends;

/// <summary>coturn's connection strings for -e, -M and -N mapped onto Npgsql, MySql.Data and StackExchange.Redis settings.</summary>
public sealed class ConnectionStringTests
{
    private static readonly TimeSpan Ten = TimeSpan.FromSeconds(10);

    private static Func<string, string?> Env(params (string Name, string Value)[] vars)
        => name => vars.FirstOrDefault(v => v.Name == name).Value;

    // ------------------------------------------------------------------ PostgreSQL

    [Fact]
    public void PostgresKeyValueFormAsCoturnDocumentsIt()
    {
        NpgsqlConnectionStringBuilder b = PostgresConnectionInfo.ToNpgsql(
            "host=db.example.org dbname=coturn user=turn password=turnpw connect_timeout=30 port=5433", Ten, Env());
        Assert.Equal("db.example.org", b.Host);
        Assert.Equal(5433, b.Port);
        Assert.Equal("coturn", b.Database);
        Assert.Equal("turn", b.Username);
        Assert.Equal("turnpw", b.Password);
        Assert.Equal(30, b.Timeout);
        Assert.Throws<UserDbException>(() => PostgresConnectionInfo.ToNpgsql("host=h password=tu rn", Ten, Env())); // "rn" lacks "="
    }

    [Fact]
    public void PostgresQuotingAndEscapesFollowLibpq()
    {
        var b = PostgresConnectionInfo.ToNpgsql(@"host = 127.0.0.1  dbname='my db' user=turn password='it\'s \\ secret' connect_timeout=7", Ten, Env());
        Assert.Equal("127.0.0.1", b.Host);
        Assert.Equal("my db", b.Database);
        Assert.Equal(@"it's \ secret", b.Password);
        Assert.Equal(7, b.Timeout);

        Assert.Equal("a=b", PostgresConnectionInfo.ToNpgsql(@"host=h user=u password=a\=b", Ten, Env()).Password);
        Assert.Equal(string.Empty, PostgresConnectionInfo.ToNpgsql("host=h user=u password=''", Ten, Env()).Password);
    }

    [Theory]
    [InlineData("postgresql://turn:s%40cret@db.example.org:5433/coturn?connect_timeout=12", "db.example.org", 5433, "coturn", "turn", "s@cret", 12)]
    [InlineData("postgres://turn@localhost/coturn", "localhost", 5432, "coturn", "turn", null, 10)]
    [InlineData("postgresql://[::1]:6543/d%20b?user=u&password=p", "::1", 6543, "d b", "u", "p", 10)]
    [InlineData("postgresql://u:p@127.0.0.1", "127.0.0.1", 5432, "u", "u", "p", 10)]
    [InlineData("postgresql://%2Fvar%2Frun%2Fpostgresql/turn?user=t", "/var/run/postgresql", 5432, "turn", "t", null, 10)]
    public void PostgresUriForm(string uri, string host, int port, string database, string user, string? password, int timeout)
    {
        NpgsqlConnectionStringBuilder b = PostgresConnectionInfo.ToNpgsql(uri, Ten, Env());
        Assert.Equal(host, b.Host);
        Assert.Equal(port, b.Port);
        Assert.Equal(database, b.Database);
        Assert.Equal(user, b.Username);
        Assert.Equal(password, b.Password);
        Assert.Equal(timeout, b.Timeout);
    }

    [Fact]
    public void PostgresMultipleHostsAndPorts()
    {
        Assert.Equal("a:5432,b:5433", PostgresConnectionInfo.ToNpgsql("host=a,b port=5432,5433 user=u", Ten, Env()).Host);
        Assert.Equal("a:5432,b:6000", PostgresConnectionInfo.ToNpgsql("postgresql://a,b:6000/x", Ten, Env()).Host); // an empty port is the default
        Assert.Throws<UserDbException>(() => PostgresConnectionInfo.ToNpgsql("host=a,b,c port=1,2 user=u", Ten, Env()));
    }

    [Fact]
    public void PostgresTimeoutsNeverWaitForever()
    {
        Assert.Equal(10, PostgresConnectionInfo.ToNpgsql("host=h user=u", Ten, Env()).Timeout); // libpq: forever
        Assert.Equal(10, PostgresConnectionInfo.ToNpgsql("host=h user=u connect_timeout=0", Ten, Env()).Timeout);
        Assert.Equal(2, PostgresConnectionInfo.ToNpgsql("host=h user=u connect_timeout=1", Ten, Env()).Timeout); // libpq's minimum
        Assert.Equal(1024, PostgresConnectionInfo.ToNpgsql("host=h user=u connect_timeout=99999", Ten, Env()).Timeout);
        Assert.Equal(33, PostgresConnectionInfo.ToNpgsql("host=h user=u", Ten, Env(("PGCONNECT_TIMEOUT", "33"))).Timeout);
    }

    [Fact]
    public void PostgresDefaultsComeFromTheEnvironmentAsInLibpq()
    {
        var b = PostgresConnectionInfo.ToNpgsql(string.Empty, Ten, Env(("PGHOST", "envhost"), ("PGPORT", "6000"), ("PGUSER", "envuser"), ("PGPASSWORD", "envpw"), ("PGAPPNAME", "app")));
        Assert.Equal("envhost", b.Host);
        Assert.Equal(6000, b.Port);
        Assert.Equal("envuser", b.Username);
        Assert.Equal("envuser", b.Database); // dbname defaults to the user name
        Assert.Equal("envpw", b.Password);
        Assert.Equal("app", b.ApplicationName);

        // The string wins over the environment.
        Assert.Equal("h", PostgresConnectionInfo.ToNpgsql("host=h", Ten, Env(("PGHOST", "envhost"))).Host);

        // No host at all: libpq's Unix socket directory when it exists.
        string host = PostgresConnectionInfo.ToNpgsql("user=u", Ten, Env()).Host!;
        Assert.Equal(Directory.Exists("/var/run/postgresql") ? "/var/run/postgresql" : "localhost", host);
        Assert.Equal(Environment.UserName, PostgresConnectionInfo.ToNpgsql("host=h", Ten, Env()).Username);
    }

    [Fact]
    public void PostgresTlsMapping()
    {
        Assert.Equal(SslMode.Prefer, PostgresConnectionInfo.ToNpgsql("host=h", Ten, Env()).SslMode);
        Assert.Equal(SslMode.Disable, PostgresConnectionInfo.ToNpgsql("host=h sslmode=disable", Ten, Env()).SslMode);
        Assert.Equal(SslMode.Require, PostgresConnectionInfo.ToNpgsql("host=h sslmode=require", Ten, Env()).SslMode);
        Assert.Equal(SslMode.VerifyCA, PostgresConnectionInfo.ToNpgsql("host=h sslmode=require sslrootcert=/ca.pem", Ten, Env()).SslMode); // libpq rule
        Assert.Equal(SslMode.Require, PostgresConnectionInfo.ToNpgsql("postgresql://h/d?ssl=true", Ten, Env()).SslMode);
        var full = PostgresConnectionInfo.ToNpgsql("host=h sslmode=verify-full sslrootcert=/ca.pem sslcert=/c.pem sslkey=/k.pem sslpassword=kp", Ten, Env());
        Assert.Equal(SslMode.VerifyFull, full.SslMode);
        Assert.Equal("/ca.pem", full.RootCertificate);
        Assert.Equal("/c.pem", full.SslCertificate);
        Assert.Equal("/k.pem", full.SslKey);
        Assert.Equal("kp", full.SslPassword);
        Assert.Throws<UserDbException>(() => PostgresConnectionInfo.ToNpgsql("host=h sslmode=sometimes", Ten, Env()));
    }

    [Fact]
    public void PostgresOtherKeywords()
    {
        var b = PostgresConnectionInfo.ToNpgsql(
            "host=h application_name=turn options='-c search_path=turn' client_encoding=UTF8 target_session_attrs=read-write keepalives_idle=30 keepalives_interval=5 keepalives_count=3 tcp_user_timeout=100 channel_binding=require load_balance_hosts=random",
            Ten,
            Env());
        Assert.Equal("turn", b.ApplicationName);
        Assert.Equal("-c search_path=turn", b.Options);
        Assert.Equal("UTF8", b.ClientEncoding);
        Assert.Equal("read-write", b.TargetSessionAttributes);
        Assert.Equal(30, b.TcpKeepAliveTime);
        Assert.Equal(5, b.TcpKeepAliveInterval);
        Assert.Equal(ChannelBinding.Require, b.ChannelBinding);
        Assert.True(b.LoadBalanceHosts);
    }

    [Theory]
    [InlineData("host=h nosuch=1", "nosuch")]
    [InlineData("host=h service=turn", "service")]
    [InlineData("host=h sslcrl=/crl.pem", "sslcrl")]
    [InlineData("postgresql://h/d?nosuch=1", "nosuch")]
    public void PostgresUnknownOrUnsupportedKeywordsAreErrors(string conninfo, string keyword)
    {
        UserDbException e = Assert.Throws<UserDbException>(() => PostgresConnectionInfo.ToNpgsql(conninfo, Ten, Env()));
        Assert.Contains(keyword, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("host=h password SECRETVALUE")]
    [InlineData("host=h password='SECRETVALUE")]
    [InlineData("postgresql://u:SECRETVALUE@h:notaport/d")]
    [InlineData("postgresql://u:SECRET%zzVALUE@h/d")]
    public void PostgresSyntaxErrorsDoNotShowValues(string conninfo)
    {
        UserDbException e = Assert.Throws<UserDbException>(() => PostgresConnectionInfo.ToNpgsql(conninfo, Ten, Env()));
        Assert.DoesNotContain("SECRET", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("VALUE", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PostgresFactorySettingsAndDescription()
    {
        var factory = new PostgresUserDatabaseFactory { CommandTimeout = TimeSpan.FromSeconds(7) };
        NpgsqlConnectionStringBuilder b = factory.BuildSettings("host=h port=5555 dbname=d user=u password=SECRETVALUE");
        Assert.Equal(7, b.CommandTimeout);
        Assert.False(b.IncludeErrorDetail);
        Assert.True(b.Pooling);
        Assert.Equal("host=h port=5555 dbname=d user=u", PostgresConnectionInfo.Describe(b));
        Assert.True(factory.CanOpen(UserDbKind.PostgreSql));
        Assert.False(factory.CanOpen(UserDbKind.MySql));
        Assert.Equal("PostgreSQL", factory.Name);
    }

    // ------------------------------------------------------------------ MySQL

    [Fact]
    public void MySqlCoturnStringMapsOntoConnectorNet()
    {
        MySqlConnectionStringBuilder b = MySqlConnectionInfo.ToMySqlData(
            "host=db.example.org dbname=coturn user=turn password=p=w;x port=3307 connect_timeout=12 read_timeout=34", Ten, Ten);
        Assert.Equal("db.example.org", b.Server);
        Assert.Equal(MySqlConnectionProtocol.Tcp, b.ConnectionProtocol);
        Assert.Equal(3307u, b.Port);
        Assert.Equal("coturn", b.Database);
        Assert.Equal("turn", b.UserID);
        Assert.Equal("p=w;x", b.Password); // the first "=" splits, the rest is the value (no quoting)
        Assert.Equal(12u, b.ConnectionTimeout);
        Assert.Equal(34u, b.DefaultCommandTimeout);
        Assert.Equal("utf8mb4", b.CharacterSet);
        Assert.Equal(MySqlSslMode.None, b.SslMode);
    }

    [Fact]
    public void MySqlAliasesAndCoturnDefaults()
    {
        var b = MySqlConnectionInfo.ToMySqlData("ip=10.0.0.5 db=x uname=u pwd=p p=1234 timeout=3", Ten, Ten);
        Assert.Equal(("10.0.0.5", 1234u, "x", "u", "p", 3u), (b.Server, b.Port, b.Database, b.UserID, b.Password, b.ConnectionTimeout));
        Assert.Equal("a", MySqlConnectionInfo.ToMySqlData("addr=a", Ten, Ten).Server);
        Assert.Equal("a", MySqlConnectionInfo.ToMySqlData("ipaddr=a", Ten, Ten).Server);
        Assert.Equal("a", MySqlConnectionInfo.ToMySqlData("hostaddr=a", Ten, Ten).Server);
        Assert.Equal("d", MySqlConnectionInfo.ToMySqlData("database=d", Ten, Ten).Database);
        Assert.Equal("u", MySqlConnectionInfo.ToMySqlData("name=u", Ten, Ten).UserID);
        Assert.Equal("u", MySqlConnectionInfo.ToMySqlData("username=u", Ten, Ten).UserID);
        Assert.Equal("p", MySqlConnectionInfo.ToMySqlData("passwd=p", Ten, Ten).Password);
        Assert.Equal("p", MySqlConnectionInfo.ToMySqlData("secret=p", Ten, Ten).Password);

        var d = MySqlConnectionInfo.ToMySqlData(string.Empty, Ten, TimeSpan.FromSeconds(30));
        Assert.Equal(("127.0.0.1", 3306u, "0", string.Empty, string.Empty, 10u, 30u), (d.Server, d.Port, d.Database, d.UserID, d.Password, d.ConnectionTimeout, d.DefaultCommandTimeout));
    }

    [Fact]
    public void MySqlLocalhostMeansTheUnixSocketAsForLibmysqlclient()
    {
        using var dir = new TempDir();
        string socket = dir.File("mysqld.sock");
        File.WriteAllText(socket, string.Empty); // only its existence is checked
        var b = MySqlConnectionInfo.ToMySqlData("host=localhost dbname=d", Ten, Ten, default, Env(("MYSQL_UNIX_PORT", socket)));
        Assert.Equal(MySqlConnectionProtocol.UnixSocket, b.ConnectionProtocol);
        Assert.Equal(socket, b.Server);
        Assert.Equal($"socket={socket} dbname=d user=", MySqlConnectionInfo.Describe(b));

        var tcp = MySqlConnectionInfo.ToMySqlData("host=localhost", Ten, Ten, default, Env(("MYSQL_UNIX_PORT", dir.File("none"))));
        Assert.Equal(MySqlConnectionProtocol.Tcp, tcp.ConnectionProtocol);
        Assert.Equal("localhost", tcp.Server);

        Assert.Equal(MySqlConnectionProtocol.UnixSocket, MySqlConnectionInfo.ToMySqlData("host=" + socket, Ten, Ten).ConnectionProtocol);
    }

    [Fact]
    public void MySqlTlsKeysMapOntoSslModeAndPemFiles()
    {
        var ca = MySqlConnectionInfo.ToMySqlData("host=h ca=/etc/ca.pem", Ten, Ten);
        Assert.Equal(MySqlSslMode.VerifyCA, ca.SslMode);
        Assert.Equal("/etc/ca.pem", ca["SslCa"]);

        var alias = MySqlConnectionInfo.ToMySqlData("host=h ssl-ca=/etc/ca.pem ssl-cert=/c.pem ssl-key=/k.pem ssl-cipher=AES", Ten, Ten);
        Assert.Equal(MySqlSslMode.VerifyCA, alias.SslMode);
        Assert.Equal("/c.pem", alias["SslCert"]);
        Assert.Equal("/k.pem", alias["SslKey"]);

        Assert.Equal(MySqlSslMode.VerifyCA, MySqlConnectionInfo.ToMySqlData("host=h capath=/etc/ssl/certs", Ten, Ten).SslMode);
        Assert.Equal(MySqlSslMode.Required, MySqlConnectionInfo.ToMySqlData("host=h cert=/c.pem key=/k.pem", Ten, Ten).SslMode);
        Assert.Equal(MySqlSslMode.Required, MySqlConnectionInfo.ToMySqlData("host=h cipher=AES256-SHA", Ten, Ten).SslMode);
        Assert.Throws<UserDbException>(() => MySqlConnectionInfo.ToMySqlData("host=h cert=/c.pem", Ten, Ten));
    }

    [Fact]
    public void MySqlEncryptedPasswordWithTheSecretKeyFile()
    {
        byte[] key = "0123456789abcdef"u8.ToArray();
        string encrypted = SecretKeyCipher.Encrypt(key, "real-password");
        Assert.Equal("real-password", MySqlConnectionInfo.ToMySqlData($"host=h password={encrypted}", Ten, Ten, key).Password);
        Assert.Equal("real-password", new MySqlUserDatabaseFactory { SecretKey = key }.BuildSettings($"password={encrypted}").Password);
        UserDbException e = Assert.Throws<UserDbException>(() => MySqlConnectionInfo.ToMySqlData("host=h password=not*base64", Ten, Ten, key));
        Assert.DoesNotContain("not*base64", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("host=h SECRETVALUE")]
    [InlineData("host=h passw0rd=SECRETVALUE")]
    [InlineData("host=h ssl-crl=SECRETVALUE")]
    public void MySqlFormatErrorsDoNotShowValues(string conninfo)
    {
        UserDbException e = Assert.Throws<UserDbException>(() => MySqlConnectionInfo.ToMySqlData(conninfo, Ten, Ten));
        Assert.DoesNotContain("SECRETVALUE", e.Message, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------------ Redis

    [Fact]
    public void RedisCoturnStringMapsOntoConfigurationOptions()
    {
        ConfigurationOptions o = RedisConnectionInfo.ToConfigurationOptions("ip=10.1.2.3 dbname=2 password=turn port=6380 connect_timeout=30", Ten, TimeSpan.FromSeconds(4));
        var ep = Assert.IsType<System.Net.IPEndPoint>(Assert.Single(o.EndPoints));
        Assert.Equal("10.1.2.3:6380", ep.ToString());
        Assert.Equal(2, o.DefaultDatabase);
        Assert.Equal("turn", o.Password);
        Assert.Equal(30000, o.ConnectTimeout);
        Assert.Equal(4000, o.SyncTimeout);
        Assert.True(o.AbortOnConnectFail);
        Assert.Equal("ip=10.1.2.3 port=6380 dbname=2", RedisConnectionInfo.Describe(o));
    }

    [Fact]
    public void RedisAliasesDefaultsAndIgnoredUser()
    {
        ConfigurationOptions d = RedisConnectionInfo.ToConfigurationOptions(string.Empty, Ten, Ten);
        Assert.Equal("127.0.0.1:6379", Assert.Single(d.EndPoints).ToString());
        Assert.Equal(0, d.DefaultDatabase);
        Assert.Null(d.Password);
        Assert.Equal(10000, d.ConnectTimeout);

        ConfigurationOptions a = RedisConnectionInfo.ToConfigurationOptions("host=redis.example db=3 secret=s p=7000 timeout=2 user=ignored uname=x name=y username=z", Ten, Ten);
        Assert.Equal("redis.example", Assert.IsType<System.Net.DnsEndPoint>(Assert.Single(a.EndPoints)).Host);
        Assert.Equal((3, "s", 2000), (a.DefaultDatabase!.Value, a.Password, a.ConnectTimeout));
        Assert.Equal("s", RedisConnectionInfo.ToConfigurationOptions("pwd=s", Ten, Ten).Password);
        Assert.Equal("s", RedisConnectionInfo.ToConfigurationOptions("passwd=s", Ten, Ten).Password);
        Assert.Equal(4, RedisConnectionInfo.ToConfigurationOptions("database=4", Ten, Ten).DefaultDatabase);
        Assert.Equal(0, RedisConnectionInfo.ToConfigurationOptions("dbname=two", Ten, Ten).DefaultDatabase); // atoi, as coturn
        Assert.Equal("[::1]:6379", RedisConnectionInfo.ToConfigurationOptions("ip=::1", Ten, Ten).EndPoints[0].ToString());
    }

    [Theory]
    [InlineData("ip=127.0.0.1 SECRETVALUE")]
    [InlineData("ip=127.0.0.1 sentinel=SECRETVALUE")]
    public void RedisFormatErrorsDoNotShowValues(string conninfo)
    {
        UserDbException e = Assert.Throws<UserDbException>(() => RedisConnectionInfo.ToConfigurationOptions(conninfo, Ten, Ten));
        Assert.DoesNotContain("SECRETVALUE", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("*", "\\*")]
    [InlineData("a?b[c]d\\e", "a\\?b\\[c\\]d\\\\e")]
    [InlineData("^-!", "^-!")]
    public void RedisGlobMetacharactersAreEscaped(string value, string escaped)
        => Assert.Equal(escaped, RedisUserDatabase.EscapeGlob(value));
}
