using Microsoft.Data.Sqlite;
using Turn.UserDb.Sqlite;

namespace Turn.UserDb.Tests;

public sealed class SqliteBackendTests : IDisposable
{
    private static readonly string[] Tables =
        ["turnusers_lt", "turn_secret", "allowed_peer_ip", "denied_peer_ip", "turn_origin_to_realm", "turn_realm_option", "oauth_key", "admin_user"];

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task MissingFileIsCreatedWithTheSchemaOfTurndbSchemaSql()
    {
        string path = _dir.File("new.db");
        Assert.False(File.Exists(path));
        await using (IUserDatabase db = await new SqliteUserDatabaseFactory().OpenAsync(path))
        {
            Assert.Equal("SQLite " + path, db.Description);
            Assert.Empty(await db.ListUsersAsync(null));
        }

        Assert.True(File.Exists(path));
        Dictionary<string, string> sql = ReadSchema(path);
        Assert.Equal(Tables.Order(), sql.Keys.Order());

        // Same statements as turndb/schema.sql (comments and the final semicolons aside).
        string schemaFile = File.ReadAllText(Path.Combine(RepoRoot(), "turndb", "schema.sql"));
        foreach (var (table, create) in sql)
        {
            Assert.Contains(create, schemaFile, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EveryVerbRoundTrips()
    {
        await using IUserDatabase db = await Open();

        // Long-term users.
        await db.SetUserKeyAsync("alice", "example.org", "7d348e130bd24a6e4e12a4700c262787");
        await db.SetUserKeyAsync("bob", "example.org", "00000000000000000000000000000000");
        await db.SetUserKeyAsync("bob", "example.org", "5d97a7ff2bf94797c58228e8bbedec8a"); // update
        await db.SetUserKeyAsync("carol", "example.net", "c77d1f7dad5beaab09945989c89107c1");
        Assert.Equal("5d97a7ff2bf94797c58228e8bbedec8a", await db.GetUserKeyAsync("bob", "example.org"));
        Assert.Null(await db.GetUserKeyAsync("bob", "example.net"));
        Assert.Null(await db.GetUserKeyAsync("Bob", "example.org"));
        Assert.Equal([("carol", "example.net"), ("alice", "example.org"), ("bob", "example.org")], await db.ListUsersAsync(null));
        Assert.Equal([("alice", "example.org"), ("bob", "example.org")], await db.ListUsersAsync("example.org"));
        Assert.True(await db.DeleteUserAsync("alice", "example.org"));
        Assert.False(await db.DeleteUserAsync("alice", "example.org"));
        Assert.Null(await db.GetUserKeyAsync("alice", "example.org"));

        // Shared secrets.
        await db.AddSecretAsync("example.org", "s2");
        await db.AddSecretAsync("example.org", "s1");
        await db.AddSecretAsync("example.org", "s1"); // no duplicate
        await db.AddSecretAsync("example.net", "n1");
        Assert.Equal(["s1", "s2"], (await db.GetSecretsAsync("example.org")).Order());
        Assert.Equal([("n1", "example.net"), ("s1", "example.org"), ("s2", "example.org")], await db.ListSecretsAsync(null));
        Assert.Equal([("s1", "example.org"), ("s2", "example.org")], await db.ListSecretsAsync("example.org"));
        Assert.True(await db.DeleteSecretAsync("example.org", "s1"));
        Assert.False(await db.DeleteSecretAsync("example.net", "s2"));
        Assert.Equal(1, await db.DeleteAllSecretsAsync("example.org"));
        Assert.Empty(await db.GetSecretsAsync("example.org"));
        Assert.Equal(["n1"], await db.GetSecretsAsync("example.net"));

        // Origins.
        await db.AddOriginAsync("https://a.example.org:443", "example.org");
        await db.AddOriginAsync("http://b.example.org:80", "example.org");
        await db.AddOriginAsync("http://c.example.net:80", "example.org");
        await db.AddOriginAsync("http://c.example.net:80", "example.net"); // remap
        Assert.Equal("example.net", await db.GetRealmForOriginAsync("http://c.example.net:80"));
        Assert.Null(await db.GetRealmForOriginAsync("http://C.example.net:80"));
        Assert.Equal(
            [("http://c.example.net:80", "example.net"), ("http://b.example.org:80", "example.org"), ("https://a.example.org:443", "example.org")],
            await db.ListOriginsAsync(null));
        Assert.Equal([("http://b.example.org:80", "example.org"), ("https://a.example.org:443", "example.org")], await db.ListOriginsAsync("example.org"));
        Assert.True(await db.DeleteOriginAsync("http://b.example.org:80"));
        Assert.False(await db.DeleteOriginAsync("http://b.example.org:80"));

        // Realm options.
        Assert.Equal(RealmOptions.None, await db.GetRealmOptionsAsync("example.org"));
        await db.SetRealmOptionAsync("example.org", RealmOptionNames.MaxBps, 300000);
        await db.SetRealmOptionAsync("example.org", RealmOptionNames.TotalQuota, 100);
        await db.SetRealmOptionAsync("example.org", RealmOptionNames.UserQuota, 10);
        await db.SetRealmOptionAsync("example.org", RealmOptionNames.UserQuota, 12);
        await db.SetRealmOptionAsync("example.net", RealmOptionNames.MaxBps, ulong.MaxValue);
        Assert.Equal(new RealmOptions(300000, 100, 12), await db.GetRealmOptionsAsync("example.org"));
        Assert.Equal(new RealmOptions(ulong.MaxValue, null, null), await db.GetRealmOptionsAsync("example.net"));
        Assert.Equal(
            [("example.net", "max-bps", "18446744073709551615"), ("example.org", "max-bps", "300000"), ("example.org", "total-quota", "100"), ("example.org", "user-quota", "12")],
            await db.ListRealmOptionsAsync(null));
        await db.SetRealmOptionAsync("example.org", RealmOptionNames.TotalQuota, 0); // 0 removes
        Assert.Equal(new RealmOptions(300000, null, 12), await db.GetRealmOptionsAsync("example.org"));
        Assert.Equal(2, (await db.ListRealmOptionsAsync("example.org")).Count);
        await Assert.ThrowsAsync<ArgumentException>(() => db.SetRealmOptionAsync("example.org", "max_bps", 1));

        // Admin users.
        string hash = AdminPasswordHash.Create("adminpass");
        await db.SetAdminUserAsync("root", string.Empty, hash);
        await db.SetAdminUserAsync("orgadmin", "example.org", "x");
        await db.SetAdminUserAsync("orgadmin", "example.org", AdminPasswordHash.Create("new")); // update
        AdminUser? root = await db.GetAdminUserAsync("root");
        Assert.NotNull(root);
        Assert.Equal(string.Empty, root.Realm);
        Assert.True(AdminPasswordHash.Verify("adminpass", root.PasswordHash));
        Assert.DoesNotContain(hash, root.ToString(), StringComparison.Ordinal);
        Assert.True(AdminPasswordHash.Verify("new", (await db.GetAdminUserAsync("orgadmin"))!.PasswordHash));
        Assert.Equal(["root", "orgadmin"], (await db.ListAdminUsersAsync()).Select(a => a.Name));
        Assert.All(await db.ListAdminUsersAsync(), a => Assert.Equal(string.Empty, a.PasswordHash));
        Assert.True(await db.DeleteAdminUserAsync("orgadmin"));
        Assert.False(await db.DeleteAdminUserAsync("orgadmin"));
        Assert.Null(await db.GetAdminUserAsync("orgadmin"));

        await db.PingAsync();
    }

    [Fact]
    public async Task PeerIpsOAuthKeysAndEverythingElseComeFromTheTestSetupScript()
    {
        string path = _dir.File("setup.db");
        await (await Open(path)).DisposeAsync();
        ApplySetupScript(path);

        await using IUserDatabase db = await Open(path);
        Assert.Equal("7d348e130bd24a6e4e12a4700c262787", await db.GetUserKeyAsync("alice", "example.org"));
        Assert.Equal(LongTermKey.ComputeMd5Hex("erin_2", "example.net", "erin-pass"), await db.GetUserKeyAsync("erin_2", "example.net"));
        Assert.Equal(["restsecret-1", "restsecret-2"], (await db.GetSecretsAsync("example.org")).Order());
        Assert.Equal("example.org", await db.GetRealmForOriginAsync(CoturnOrigin.Canonicalize("https://APP.example.org/x")));
        Assert.Equal(new RealmOptions(300000, 100, 10), await db.GetRealmOptionsAsync("example.org"));
        Assert.Equal(new RealmOptions(null, null, 4), await db.GetRealmOptionsAsync("example.net"));

        Assert.Equal(
            [new PeerIpRange(string.Empty, "10.0.0.1"), new PeerIpRange("example.org", "10.1.0.0-10.1.255.255")],
            (await db.GetAllowedPeerIpsAsync(null)).OrderBy(r => r.Realm, StringComparer.Ordinal));
        Assert.Equal([new PeerIpRange("example.org", "10.1.0.0-10.1.255.255")], await db.GetAllowedPeerIpsAsync("example.org"));
        Assert.Equal([new PeerIpRange("example.net", "fd00::1")], await db.GetDeniedPeerIpsAsync("example.net"));
        Assert.Equal([new PeerIpRange(string.Empty, "192.168.0.0-192.168.255.255")], await db.GetDeniedPeerIpsAsync(string.Empty));

        OAuthKey? key = await db.GetOAuthKeyAsync("key-2026-01");
        Assert.Equal(new OAuthKey("key-2026-01", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 1767225600, 3600, "A256GCM", "example.org"), key);
        Assert.DoesNotContain("AAECAw", key!.ToString(), StringComparison.Ordinal);
        Assert.Equal(new OAuthKey("key-legacy", "MDEyMzQ1Njc4OWFiY2RlZg==", 0, 0, "A128GCM", string.Empty), await db.GetOAuthKeyAsync("key-legacy"));
        Assert.Null(await db.GetOAuthKeyAsync("KEY-LEGACY"));

        AdminUser? orgadmin = await db.GetAdminUserAsync("orgadmin");
        Assert.True(AdminPasswordHash.Verify("orgadminpass", orgadmin!.PasswordHash));
        Assert.True(AdminPasswordHash.Verify("rootpass", (await db.GetAdminUserAsync("root"))!.PasswordHash));
    }

    public static TheoryData<string> Nasty =>
    [
        "o'brien",
        "\"quoted\"",
        "semi;colon",
        "dash--dash",
        "per%cent",
        "under_score",
        "back\\slash",
        "with space",
        "' or '1'='1",
        "'; drop table turnusers_lt; --",
        "\u00fcml\u00e4ut-\u65e5\u672c-\ud83d\ude00",
        "%",
        "_",
    ];

    [Theory]
    [MemberData(nameof(Nasty))]
    public async Task ValuesAreStoredAndMatchedLiterally(string nasty)
    {
        await using IUserDatabase db = await Open();

        // Decoys that a LIKE pattern, a case-insensitive match or a broken quote would also hit.
        await db.SetUserKeyAsync("decoy", "decoy", "11111111111111111111111111111111");
        await db.SetUserKeyAsync(nasty.ToUpperInvariant() + "Z", nasty, "22222222222222222222222222222222");
        await db.SetUserKeyAsync("a" + nasty, nasty, "33333333333333333333333333333333");

        await db.SetUserKeyAsync(nasty, nasty, "3d43f24c71b71cdd4be54e0721962a79");
        Assert.Equal("3d43f24c71b71cdd4be54e0721962a79", await db.GetUserKeyAsync(nasty, nasty));
        Assert.Null(await db.GetUserKeyAsync(nasty + "x", nasty));
        Assert.Contains((nasty, nasty), await db.ListUsersAsync(nasty));
        Assert.Equal(3, (await db.ListUsersAsync(nasty)).Count);
        Assert.Empty(await db.ListUsersAsync(nasty + "%"));

        await db.AddSecretAsync(nasty, nasty);
        await db.AddSecretAsync("decoy", "decoy");
        Assert.Equal([nasty], await db.GetSecretsAsync(nasty));
        Assert.False(await db.DeleteSecretAsync(nasty, nasty + "%"));
        Assert.True(await db.DeleteSecretAsync(nasty, nasty));

        await db.AddOriginAsync(nasty, nasty);
        Assert.Equal(nasty, await db.GetRealmForOriginAsync(nasty));
        Assert.Null(await db.GetRealmForOriginAsync(nasty + "%"));
        if (nasty.Length > 1 && nasty[0] != '_')
        {
            Assert.Null(await db.GetRealmForOriginAsync("_" + nasty[1..])); // what LIKE '_...' would also find
        }

        await db.SetRealmOptionAsync(nasty, RealmOptionNames.UserQuota, 7);
        Assert.Equal(7, (await db.GetRealmOptionsAsync(nasty)).UserQuota);
        Assert.Null((await db.GetRealmOptionsAsync("decoy")).UserQuota);

        await db.SetAdminUserAsync(nasty, nasty, nasty);
        Assert.Equal(new AdminUser(nasty, nasty, nasty), await db.GetAdminUserAsync(nasty));
        Assert.True(AdminPasswordHash.Verify(nasty, (await db.GetAdminUserAsync(nasty))!.PasswordHash));

        Assert.True(await db.DeleteUserAsync(nasty, nasty));
        Assert.Equal("11111111111111111111111111111111", await db.GetUserKeyAsync("decoy", "decoy"));
        Assert.Equal(2, (await db.ListUsersAsync(nasty)).Count);
        Assert.Equal(Tables.Order(), ReadSchema(((SqliteUserDatabase)db).FilePath).Keys.Order());
    }

    [Fact]
    public async Task ExistingCoturnFileIsUsedAsIsAndMissingTablesAreAdded()
    {
        string path = _dir.File("coturn.db");
        CliResult r = Coturn.Run(path, "-a", "-b", path, "-u", "bob", "-r", "example.org", "-p", "secret");
        Assert.Equal(0, r.ExitCode);
        Dictionary<string, string> before = ReadSchema(path);

        await using (IUserDatabase db = await Open(path))
        {
            Assert.Equal(LongTermKey.ComputeMd5Hex("bob", "example.org", "secret"), await db.GetUserKeyAsync("bob", "example.org"));
        }

        Assert.Equal(before, ReadSchema(path)); // coturn's own CREATE statements stay

        // A database lacking tables (an old or hand-made one) gets them, as coturn does.
        string partial = _dir.File("partial.db");
        using (var c = new SqliteConnection("Data Source=" + partial + ";Pooling=False"))
        {
            c.Open();
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE turnusers_lt (realm varchar(127) default '', name varchar(512), hmackey char(128)); "
                + "insert into turnusers_lt values ('r','u','00112233445566778899aabbccddeeff')";
            cmd.ExecuteNonQuery();
        }

        await using (IUserDatabase db = await Open(partial))
        {
            Assert.Equal("00112233445566778899aabbccddeeff", await db.GetUserKeyAsync("u", "r"));
            await db.AddSecretAsync("r", "s");
            Assert.Equal(["s"], await db.GetSecretsAsync("r"));
        }

        Assert.Equal(Tables.Order(), ReadSchema(partial).Keys.Order());
    }

    [Fact]
    public async Task BadFilesGiveUserDbException()
    {
        string notDb = _dir.File("not-a-db");
        await File.WriteAllTextAsync(notDb, "this is not an SQLite database, just some text that is long enough to fill a header page");
        UserDbException e1 = await Assert.ThrowsAsync<UserDbException>(() => Open(notDb));
        Assert.Contains(notDb, e1.Message, StringComparison.Ordinal);

        await Assert.ThrowsAsync<UserDbException>(() => Open(_dir.File("no/such/dir/x.db")));
        await Assert.ThrowsAsync<UserDbException>(() => Open(_dir.Path));
        await Assert.ThrowsAsync<UserDbException>(() => Open(string.Empty));
    }

    [Fact]
    public async Task WritersWaitForAnotherProcesssLockWithinTheBusyTimeout()
    {
        string path = _dir.File("busy.db");
        await using IUserDatabase db = await Open(path);
        await db.SetUserKeyAsync("u0", "r", "00");

        // Another "process" (its own connection, no pool) holds the write lock for a while.
        using var holder = new SqliteConnection("Data Source=" + path + ";Pooling=False");
        holder.Open();
        using (SqliteCommand begin = holder.CreateCommand())
        {
            begin.CommandText = "BEGIN EXCLUSIVE; insert into turn_secret (realm,value) values ('r','held')";
            begin.ExecuteNonQuery();
        }

        var started = DateTime.UtcNow;
        Task write = db.SetUserKeyAsync("u1", "r", "11");
        await Task.Delay(700);
        Assert.False(write.IsCompleted, write.Exception?.ToString());
        using (SqliteCommand commit = holder.CreateCommand())
        {
            commit.CommandText = "COMMIT";
            commit.ExecuteNonQuery();
        }

        await write.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(600));
        Assert.Equal("11", await db.GetUserKeyAsync("u1", "r"));
        Assert.Equal(["held"], await db.GetSecretsAsync("r"));

        // With a short timeout the lock wins and the failure is a UserDbException that names the file.
        await using IUserDatabase impatient = await new SqliteUserDatabaseFactory { BusyTimeout = TimeSpan.FromMilliseconds(300) }.OpenAsync(path);
        using (SqliteCommand begin = holder.CreateCommand())
        {
            begin.CommandText = "BEGIN EXCLUSIVE";
            begin.ExecuteNonQuery();
        }

        UserDbException e = await Assert.ThrowsAsync<UserDbException>(() => impatient.GetUserKeyAsync("u1", "r"));
        Assert.Contains("locked", e.Message, StringComparison.OrdinalIgnoreCase);
        using (SqliteCommand rollback = holder.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            rollback.ExecuteNonQuery();
        }
    }

    [Fact]
    public async Task ConcurrentReadersAndWritersFromSeveralInstances()
    {
        string path = _dir.File("concurrent.db");
        await (await Open(path)).DisposeAsync();
        const int Writers = 4;
        const int PerWriter = 40;
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            await using IUserDatabase db = await Open(path);
            for (int i = 0; i < PerWriter; i++)
            {
                await db.SetUserKeyAsync($"w{w}u{i}", "r", $"{w:x2}{i:x2}");
                await db.AddSecretAsync("r", $"w{w}s{i}");
            }
        })).ToList();
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            await using IUserDatabase db = await Open(path);
            int reads = 0;
            while (!stop.IsCancellationRequested)
            {
                await db.ListUsersAsync("r");
                await db.GetSecretsAsync("r");
                await db.GetUserKeyAsync("w0u0", "r");
                reads++;
            }

            return reads;
        })).ToList();

        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        int[] reads = await Task.WhenAll(readers);
        Assert.All(reads, n => Assert.True(n > 0));

        await using IUserDatabase check = await Open(path);
        Assert.Equal(Writers * PerWriter, (await check.ListUsersAsync("r")).Count);
        Assert.Equal(Writers * PerWriter, (await check.GetSecretsAsync("r")).Count);
    }

    [Fact]
    public void PathsAreNormalizedLikeCoturn()
    {
        string home = Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal(home + "/turndb", SqliteUserDatabaseFactory.NormalizePath("  ~/turndb"));
        Assert.Equal("/var/lib/turn/turndb", SqliteUserDatabaseFactory.NormalizePath("/var/lib/turn/turndb"));
        Assert.Equal("rel/x.db", SqliteUserDatabaseFactory.NormalizePath("rel/x.db"));
        Assert.Equal("/var/lib/turn/turndb", SqliteUserDatabaseFactory.DefaultPaths[0]);
        Assert.Contains(SqliteUserDatabaseFactory.ResolveDefaultPath(), SqliteUserDatabaseFactory.DefaultPaths);
        var factory = new SqliteUserDatabaseFactory();
        Assert.True(factory.CanOpen(UserDbKind.Sqlite));
        Assert.False(factory.CanOpen(UserDbKind.PostgreSql));
        Assert.Equal("SQLite", factory.Name);
    }

    internal static string RepoRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Turn.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("Turn.sln not found above " + AppContext.BaseDirectory);
    }

    internal static void ApplySetupScript(string path)
    {
        string script = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testsqldbsetup.sql"));
        using var c = new SqliteConnection("Data Source=" + path + ";Pooling=False");
        c.Open();
        using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = script;
        cmd.ExecuteNonQuery();
    }

    internal static Dictionary<string, string> ReadSchema(string path)
    {
        using var c = new SqliteConnection("Data Source=" + path + ";Mode=ReadOnly;Pooling=False");
        c.Open();
        using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = "select name, sql from sqlite_master where type='table'";
        using SqliteDataReader r = cmd.ExecuteReader();
        var result = new Dictionary<string, string>();
        while (r.Read())
        {
            result[r.GetString(0)] = r.GetString(1);
        }

        return result;
    }

    private Task<IUserDatabase> Open(string? path = null) => new SqliteUserDatabaseFactory().OpenAsync(path ?? _dir.File("test.db"));
}
