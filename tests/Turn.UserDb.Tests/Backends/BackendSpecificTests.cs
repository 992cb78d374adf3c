using System.Globalization;
using StackExchange.Redis;
using Turn.UserDb.MySql;
using Turn.UserDb.Postgres;
using Turn.UserDb.Redis;

namespace Turn.UserDb.Tests.Backends;

[Collection(PostgresCollection.Name)]
public sealed class PostgresSpecificTests(PostgresServer server)
{
    [Fact]
    public async Task UriAndKeyValueFormsReachTheSameDatabase()
    {
        string name = await server.CreateDatabaseAsync();
        await using (IUserDatabase db = await new PostgresUserDatabaseFactory().OpenAsync(server.Conninfo(name)))
        {
            await db.SetUserKeyAsync("bob", "example.org", "5d97a7ff2bf94797c58228e8bbedec8a");
            Assert.Equal($"PostgreSQL host=127.0.0.1 port={server.Port} dbname={name} user=turn", db.Description);
        }

        string uri = $"postgresql://turn:{Uri.EscapeDataString(server.Password)}@127.0.0.1:{server.Port}/{name}?connect_timeout=5&application_name=turn-test";
        await using IUserDatabase viaUri = await new PostgresUserDatabaseFactory().OpenAsync(uri);
        Assert.Equal("5d97a7ff2bf94797c58228e8bbedec8a", await viaUri.GetUserKeyAsync("bob", "example.org"));
        Assert.DoesNotContain(server.Password, viaUri.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnixSocketDirectoryAsHost()
    {
        string name = await server.CreateDatabaseAsync();
        string socketDir = Path.Combine(server.Dir, "pg");
        await using IUserDatabase db = await new PostgresUserDatabaseFactory().OpenAsync($"host={socketDir} port={server.Port} dbname={name} user=turn password={server.Password}");
        await db.AddSecretAsync("r", "s");
        Assert.Equal(["s"], await db.GetSecretsAsync("r"));
    }

    [Fact]
    public async Task MissingTablesAreNamedWithTheFix()
    {
        string name = await server.CreateDatabaseAsync(withSchema: false);
        await using IUserDatabase db = await new PostgresUserDatabaseFactory().OpenAsync(server.Conninfo(name)); // coturn creates no tables either
        UserDbException e = await Assert.ThrowsAsync<UserDbException>(() => db.ListUsersAsync(null));
        Assert.Contains("turnusers_lt", e.Message, StringComparison.Ordinal);
        Assert.Contains("turndb/schema.sql", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysPaddedByTheCharColumnComeBackTrimmed()
    {
        string name = await server.CreateDatabaseAsync();
        await server.ExecuteAsync(name, "insert into turnusers_lt (realm,name,hmackey) values ('r','u','00112233445566778899aabbccddeeff')");
        await using IUserDatabase db = await new PostgresUserDatabaseFactory().OpenAsync(server.Conninfo(name));
        Assert.Equal("00112233445566778899aabbccddeeff", await db.GetUserKeyAsync("u", "r"));
    }
}

[Collection(MySqlCollection.Name)]
public sealed class MySqlSpecificTests(MySqlServer server)
{
    [Fact]
    public async Task CaseInsensitiveTablesMatchExactlyButCannotHoldBothSpellings()
    {
        string name = await server.CreateDatabaseAsync(); // server default utf8mb4_general_ci, as Debian's
        await using IUserDatabase db = await new MySqlUserDatabaseFactory().OpenAsync(server.Conninfo(name));
        await db.AddSecretAsync("r", "Secret-One");
        Assert.Empty(await db.GetSecretsAsync("R"));
        Assert.False(await db.DeleteSecretAsync("r", "SECRET-ONE"));

        // The primary key compares case-insensitively: the second spelling is refused, without showing the value.
        UserDbException e = await Assert.ThrowsAsync<UserDbException>(() => db.AddSecretAsync("r", "SECRET-ONE"));
        Assert.DoesNotContain("SECRET-ONE", e.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("utf8mb4_bin", e.Message, StringComparison.Ordinal);
        Assert.Equal(["Secret-One"], await db.GetSecretsAsync("r"));
    }

    [Fact]
    public async Task BinaryCollationTablesHoldEverySpelling()
    {
        string name = await server.CreateDatabaseAsync(collation: "utf8mb4_bin");
        await using IUserDatabase db = await new MySqlUserDatabaseFactory().OpenAsync(server.Conninfo(name));
        await db.SetUserKeyAsync("bob", "r", "00");
        await db.SetUserKeyAsync("Bob", "r", "11");
        await db.SetUserKeyAsync("b\u00f6b", "r", "22");
        Assert.Equal("00", await db.GetUserKeyAsync("bob", "r"));
        Assert.Equal("11", await db.GetUserKeyAsync("Bob", "r"));
        Assert.Equal("22", await db.GetUserKeyAsync("b\u00f6b", "r"));
        Assert.Equal(3, (await db.ListUsersAsync("r")).Count);
    }

    [Theory]
    [InlineData("utf8mb3 collate utf8mb3_general_ci")] // MySQL's old "utf8": MySql.Data 8.0.16 needs the session fix for it
    [InlineData("utf8mb3 collate utf8mb3_bin")]
    [InlineData("latin1 collate latin1_swedish_ci")] // MariaDB's own default without Debian's configuration
    [InlineData("utf8mb4 collate utf8mb4_unicode_520_ci")]
    [InlineData("utf8mb4 collate utf8mb4_uca1400_ai_ci")] // MariaDB 11's default family
    public async Task TablesInOtherCharacterSetsWork(string characterSet)
    {
        string name = await server.CreateDatabaseAsync(withSchema: false);
        await server.ExecuteAsync(name, $"alter database {name} character set {characterSet}");
        await server.ExecuteAsync(name, File.ReadAllText(Path.Combine(SqliteBackendTests.RepoRoot(), "turndb", "schema.sql")));
        await using IUserDatabase db = await new MySqlUserDatabaseFactory().OpenAsync(server.Conninfo(name));
        await db.SetUserKeyAsync("b\u00f6b", "r\u00e9alm", "00112233445566778899aabbccddeeff");
        await db.AddSecretAsync("r\u00e9alm", "s\u00e9cret");
        Assert.Equal("00112233445566778899aabbccddeeff", await db.GetUserKeyAsync("b\u00f6b", "r\u00e9alm"));
        Assert.Null(await db.GetUserKeyAsync("bob", "r\u00e9alm"));
        Assert.Equal([("b\u00f6b", "r\u00e9alm")], await db.ListUsersAsync(null));
        Assert.Equal(["s\u00e9cret"], await db.GetSecretsAsync("r\u00e9alm"));
    }

    [Fact]
    public async Task LocalhostUsesTheUnixSocket()
    {
        string name = await server.CreateDatabaseAsync();
        var factory = new MySqlUserDatabaseFactory { Environment = v => v == "MYSQL_UNIX_PORT" ? server.Socket : null };
        await using IUserDatabase db = await factory.OpenAsync($"host=localhost dbname={name} user=turn password={server.Password}");
        Assert.Equal($"MySQL socket={server.Socket} dbname={name} user=turn", db.Description);
        await db.AddOriginAsync("http://a:80", "r");
        Assert.Equal("r", await db.GetRealmForOriginAsync("http://a:80"));
    }

    [Fact]
    public async Task PasswordEncryptedWithTheSecretKeyFile()
    {
        string name = await server.CreateDatabaseAsync();
        byte[] key = "k3y-of-16-bytes!"u8.ToArray();
        string conninfo = $"host=127.0.0.1 port={server.Port} dbname={name} user=turn password={SecretKeyCipher.Encrypt(key, server.Password)}";
        await using IUserDatabase db = await new MySqlUserDatabaseFactory { SecretKey = key }.OpenAsync(conninfo);
        await db.PingAsync();
        await Assert.ThrowsAsync<UserDbException>(() => new MySqlUserDatabaseFactory().OpenAsync(conninfo)); // not decrypted: wrong password
    }

    [Fact]
    public async Task MissingTablesAreNamedWithTheFix()
    {
        string name = await server.CreateDatabaseAsync(withSchema: false);
        await using IUserDatabase db = await new MySqlUserDatabaseFactory().OpenAsync(server.Conninfo(name));
        UserDbException e = await Assert.ThrowsAsync<UserDbException>(() => db.GetSecretsAsync("r"));
        Assert.Contains("turn_secret", e.Message, StringComparison.Ordinal);
        Assert.Contains("turndb/schema.sql", e.Message, StringComparison.Ordinal);
    }
}

[Collection(RedisCollection.Name)]
public sealed class RedisSpecificTests(RedisServer server)
{
    [Fact]
    public async Task WritesUseCoturnsKeyLayout()
    {
        int n = await server.CreateDatabaseAsync();
        await using (IUserDatabase db = await Open(n))
        {
            await db.SetUserKeyAsync("bob", "example.org", "5d97a7ff2bf94797c58228e8bbedec8a");
            await db.AddSecretAsync("example.org", "s e c r e t");
            await db.AddOriginAsync("https://app.example.org:443", "example.org");
            await db.SetRealmOptionAsync("example.org", RealmOptionNames.MaxBps, 300000);
            await db.SetRealmOptionAsync("example.org", RealmOptionNames.TotalQuota, 100);
            await db.SetRealmOptionAsync("example.org", RealmOptionNames.UserQuota, 10);
            await db.SetAdminUserAsync("root", string.Empty, "$5$x");
            await db.SetAdminUserAsync("orgadmin", "example.org", "$5$y");
        }

        using ConnectionMultiplexer mux = await server.ConnectAsync();
        IDatabase raw = mux.GetDatabase(n);
        string[] keys = [.. mux.GetServer(mux.GetEndPoints()[0]).Keys(n, "*").Select(k => (string)k!).Order(StringComparer.Ordinal)];
        Assert.Equal(
            [
                "turn/admin_user/orgadmin", "turn/admin_user/root", "turn/origin/https://app.example.org:443",
                "turn/realm/example.org/max-bps", "turn/realm/example.org/secret", "turn/realm/example.org/total-quota",
                "turn/realm/example.org/user-quota", "turn/realm/example.org/user/bob/key",
            ],
            keys);
        Assert.Equal("5d97a7ff2bf94797c58228e8bbedec8a", (string?)await raw.StringGetAsync("turn/realm/example.org/user/bob/key"));
        Assert.Equal(["s e c r e t"], (await raw.SetMembersAsync("turn/realm/example.org/secret")).Select(v => (string)v!));
        Assert.Equal("example.org", (string?)await raw.StringGetAsync("turn/origin/https://app.example.org:443"));
        Assert.Equal("300000", (string?)await raw.StringGetAsync("turn/realm/example.org/max-bps"));
        Assert.Equal(RedisType.Hash, await raw.KeyTypeAsync("turn/admin_user/root"));
        Assert.Equal([new HashEntry("password", "$5$x")], await raw.HashGetAllAsync("turn/admin_user/root"));
        Assert.Equal("example.org", (string?)await raw.HashGetAsync("turn/admin_user/orgadmin", "realm"));
    }

    [Fact]
    public async Task PlainPasswordKeysOfTheSchemaAreRead()
    {
        int n = await server.CreateDatabaseAsync();
        using (ConnectionMultiplexer mux = await server.ConnectAsync())
        {
            await mux.GetDatabase(n).StringSetAsync("turn/realm/north.gov/user/gorst/password", "hero");
        }

        await using IUserDatabase db = await Open(n);
        Assert.Equal("7da2270ccfa49786e0115366d3a3d14d", await db.GetUserKeyAsync("gorst", "north.gov")); // schema.userdb.redis's example
        Assert.Empty(await db.ListUsersAsync(null)); // coturn's -l lists ".../key" users only
        Assert.True(await db.DeleteUserAsync("gorst", "north.gov"));
        Assert.Null(await db.GetUserKeyAsync("gorst", "north.gov"));
    }

    [Fact]
    public async Task ListingsUseScanNeverKeys()
    {
        int n = await server.CreateDatabaseAsync();
        await using IUserDatabase db = await Open(n);
        for (int i = 0; i < 50; i++)
        {
            await db.SetUserKeyAsync($"u{i}", "r", "00");
        }

        using ConnectionMultiplexer mux = await server.ConnectAsync();
        IServer admin = mux.GetServer(mux.GetEndPoints()[0]);
        await admin.ConfigResetStatisticsAsync();
        Assert.Equal(50, (await db.ListUsersAsync(null)).Count);
        await db.ListSecretsAsync(null);
        await db.ListOriginsAsync(null);
        await db.ListRealmOptionsAsync(null);
        await db.ListAdminUsersAsync();
        await db.GetAllowedPeerIpsAsync(null);
        string stats = string.Join('\n', (await admin.InfoAsync("commandstats")).SelectMany(g => g).Select(kv => kv.Key));
        Assert.Contains("cmdstat_scan", stats, StringComparison.Ordinal);
        Assert.DoesNotContain("cmdstat_keys", stats, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WritesAreFollowedByABackgroundSaveAsCoturnSaves()
    {
        int n = await server.CreateDatabaseAsync();
        using ConnectionMultiplexer mux = await server.ConnectAsync();
        IServer admin = mux.GetServer(mux.GetEndPoints()[0]);
        DateTime before = await admin.LastSaveAsync();
        await Task.Delay(1100); // LASTSAVE has a one-second resolution
        await using (IUserDatabase quiet = await new RedisUserDatabaseFactory { SaveAfterWrite = false }.OpenAsync(server.Conninfo(n)))
        {
            await quiet.SetUserKeyAsync("u", "r", "00");
            await Task.Delay(300);
            Assert.Equal(before, await admin.LastSaveAsync());
        }

        await using IUserDatabase db = await Open(n);
        await db.SetUserKeyAsync("u", "r", "11");
        DateTime after = before;
        for (int i = 0; i < 50 && after == before; i++)
        {
            await Task.Delay(100);
            after = await admin.LastSaveAsync();
        }

        Assert.True(after > before, "no background save after the write");
        Assert.True(File.Exists(Path.Combine(server.Dir, "redis", "dump.rdb")));
    }

    [Fact]
    public async Task KeysOfTheWrongTypeAreSkippedInListsAndReportedOnReads()
    {
        int n = await server.CreateDatabaseAsync();
        using (ConnectionMultiplexer mux = await server.ConnectAsync())
        {
            IDatabase raw = mux.GetDatabase(n);
            await raw.StringSetAsync("turn/realm/bad/secret", "not a set");
            await raw.SetAddAsync("turn/realm/good/secret", "s");
            await raw.HashSetAsync("turn/admin_user/nopassword", [new HashEntry("realm", "r")]);
        }

        await using IUserDatabase db = await Open(n);
        Assert.Equal([("s", "good")], await db.ListSecretsAsync(null));
        await Assert.ThrowsAsync<UserDbException>(() => db.GetSecretsAsync("bad"));
        Assert.Null(await db.GetAdminUserAsync("nopassword")); // coturn: no "password" field, no admin
        Assert.Empty(await db.ListAdminUsersAsync());
    }

    [Fact]
    public async Task DatabaseNumberOutOfRangeIsReported()
    {
        UserDbException e = await Assert.ThrowsAsync<UserDbException>(() => new RedisUserDatabaseFactory().OpenAsync(server.Conninfo(100000)));
        Assert.Contains("dbname=100000", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Password, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartupTimeOfTheTestServers()
    {
        // Not a check of the backend: keeps the cost of the fixture visible in the test log.
        await Task.CompletedTask;
        Assert.True(server.StartupTime < TimeSpan.FromMinutes(2), server.StartupTime.TotalSeconds.ToString(CultureInfo.InvariantCulture));
    }

    private Task<IUserDatabase> Open(int n) => new RedisUserDatabaseFactory().OpenAsync(server.Conninfo(n));
}

/// <summary>TLS keys of coturn's connection strings, against the servers' TLS (a private test CA).</summary>
[Collection(MySqlCollection.Name)]
public sealed class MySqlTlsTests(MySqlServer server)
{
    [Fact]
    public async Task CaVerifiesTheServerAndTheConnectionIsEncrypted()
    {
        string name = await server.CreateDatabaseAsync();
        string conninfo = $"{server.Conninfo(name)} ca={server.Env("TLS_CA")}";
        await using (IUserDatabase db = await new MySqlUserDatabaseFactory().OpenAsync(conninfo))
        {
            await db.AddSecretAsync("r", "over-tls");
            Assert.Equal(["over-tls"], await db.GetSecretsAsync("r"));
        }

        Assert.StartsWith("TLSv1.", await SslVersionAsync(conninfo), StringComparison.Ordinal);
        Assert.Equal(string.Empty, await SslVersionAsync(server.Conninfo(name))); // no TLS key: plain, as coturn
    }

    [Fact]
    public async Task ClientCertificateAndCipherKeys()
    {
        string name = await server.CreateDatabaseAsync();
        string conninfo = $"{server.Conninfo(name)} ssl-ca={server.Env("TLS_CA")} ssl-cert={server.Env("TLS_CLIENT_CERT")} ssl-key={server.Env("TLS_CLIENT_KEY")}";
        await using (IUserDatabase db = await new MySqlUserDatabaseFactory().OpenAsync(conninfo))
        {
            await db.PingAsync();
        }

        Assert.StartsWith("TLSv1.", await SslVersionAsync(conninfo), StringComparison.Ordinal);
        Assert.StartsWith("TLSv1.", await SslVersionAsync($"{server.Conninfo(name)} cipher=ECDHE-RSA-AES256-GCM-SHA384"), StringComparison.Ordinal); // encrypted, unverified
    }

    [Fact]
    public async Task ServerCertificateFromAnotherCaIsRefused()
    {
        string name = await server.CreateDatabaseAsync();
        UserDbException e = await Assert.ThrowsAsync<UserDbException>(() => new MySqlUserDatabaseFactory().OpenAsync($"{server.Conninfo(name)} ca={server.Env("TLS_OTHER_CA")}"));
        Assert.DoesNotContain(server.Password, e.ToString(), StringComparison.Ordinal);
    }

    private async Task<string> SslVersionAsync(string conninfo)
    {
        string cs = new MySqlUserDatabaseFactory().BuildSettings(conninfo).ConnectionString;
        return await Task.Run(() =>
        {
            using var c = new global::MySql.Data.MySqlClient.MySqlConnection(cs);
            c.Open();
            using (var set = new global::MySql.Data.MySqlClient.MySqlCommand("SET character_set_results=utf8mb4", c))
            {
                set.ExecuteNonQuery(); // see MySqlUserDatabase.OnOpenedAsync
            }

            using var cmd = new global::MySql.Data.MySqlClient.MySqlCommand("show status like 'Ssl_version'", c);
            using var r = cmd.ExecuteReader();
            return r.Read() ? r.GetString(1) : "?";
        });
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresTlsTests(PostgresServer server)
{
    [Theory]
    [InlineData("sslmode=verify-full sslrootcert={ca}", true)]
    [InlineData("sslmode=verify-ca sslrootcert={ca}", true)]
    [InlineData("sslmode=require", true)]
    [InlineData("sslmode=require sslrootcert={ca}", true)]
    [InlineData("sslmode=verify-full sslrootcert={ca} sslcert={cert} sslkey={key}", true)]
    [InlineData("sslmode=disable", false)]
    public async Task SslModesConnect(string tls, bool encrypted)
    {
        string name = await server.CreateDatabaseAsync();
        string conninfo = $"{server.Conninfo(name)} {Fill(tls)}";
        await using (IUserDatabase db = await new PostgresUserDatabaseFactory().OpenAsync(conninfo))
        {
            await db.PingAsync();
        }

        await using var c = new Npgsql.NpgsqlConnection(new PostgresUserDatabaseFactory().BuildSettings(conninfo).ConnectionString);
        await c.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("select ssl from pg_stat_ssl where pid = pg_backend_pid()", c);
        Assert.Equal(encrypted, (bool)(await cmd.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task ServerCertificateFromAnotherCaIsRefused()
    {
        string name = await server.CreateDatabaseAsync();
        await Assert.ThrowsAsync<UserDbException>(() => new PostgresUserDatabaseFactory().OpenAsync($"{server.Conninfo(name)} sslmode=verify-ca sslrootcert={server.Env("TLS_OTHER_CA")}"));
    }

    private string Fill(string tls) => tls
        .Replace("{ca}", server.Env("TLS_CA"), StringComparison.Ordinal)
        .Replace("{cert}", server.Env("TLS_CLIENT_CERT"), StringComparison.Ordinal)
        .Replace("{key}", server.Env("TLS_CLIENT_KEY"), StringComparison.Ordinal);
}
