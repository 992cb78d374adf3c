namespace Turn.UserDb.Tests.Backends;

/// <summary>
/// The verb round-trip cases of <see cref="SqliteBackendTests"/>, written once against <see cref="IUserDatabase"/>
/// and run against every backend (SQLite, PostgreSQL, MariaDB, Redis) by the derived classes.
/// </summary>
public abstract class UserDbSuite
{
    /// <summary>Values that are syntax somewhere (SQL quotes and comments, LIKE and glob wildcards, escapes) or not ASCII.</summary>
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
        "*",
        "?",
        "[x]",
        "a*b?c[d]e\\f",
        "\\*",
        "x/user/y",
        // coturn 4.13.0 fixed USERNAME/REALM used as a format string towards Redis: printf directives and a
        // RESP command smuggled in with CR LF must be plain data on every backend.
        "%s%s%s%n%b",
        "x\r\n*1\r\n$8\r\nFLUSHALL\r\n",
    ];

    /// <summary>An empty database with coturn's tables (keys), and a way to open it once more (another client).</summary>
    protected abstract Task<(IUserDatabase Db, Func<Task<IUserDatabase>> OpenAgain)> OpenFreshAsync();

    /// <summary>A database holding turndb/testsqldbsetup.sql's data (for Redis: the same data in coturn's key layout).</summary>
    protected abstract Task<IUserDatabase> OpenWithSetupDataAsync();

    [Fact]
    public async Task EveryVerbRoundTrips()
    {
        await using IUserDatabase db = (await OpenFreshAsync()).Db;

        // Long-term users.
        await db.SetUserKeyAsync("alice", "example.org", "7d348e130bd24a6e4e12a4700c262787");
        await db.SetUserKeyAsync("bob", "example.org", "00000000000000000000000000000000");
        await db.SetUserKeyAsync("bob", "example.org", "5d97a7ff2bf94797c58228e8bbedec8a"); // update
        await db.SetUserKeyAsync("carol", "example.net", "c77d1f7dad5beaab09945989c89107c1");
        Assert.Equal("5d97a7ff2bf94797c58228e8bbedec8a", await db.GetUserKeyAsync("bob", "example.org"));
        Assert.Null(await db.GetUserKeyAsync("bob", "example.net"));
        Assert.Null(await db.GetUserKeyAsync("Bob", "example.org"));
        Assert.Null(await db.GetUserKeyAsync("bob", "EXAMPLE.org"));
        Assert.Equal([("carol", "example.net"), ("alice", "example.org"), ("bob", "example.org")], await db.ListUsersAsync(null));
        Assert.Equal([("alice", "example.org"), ("bob", "example.org")], await db.ListUsersAsync("example.org"));
        Assert.Empty(await db.ListUsersAsync("Example.org"));
        Assert.True(await db.DeleteUserAsync("alice", "example.org"));
        Assert.False(await db.DeleteUserAsync("alice", "example.org"));
        Assert.Null(await db.GetUserKeyAsync("alice", "example.org"));

        // Shared secrets.
        await db.AddSecretAsync("example.org", "s2");
        await db.AddSecretAsync("example.org", "s1");
        await db.AddSecretAsync("example.org", "s1"); // no duplicate
        await db.AddSecretAsync("example.net", "n1");
        Assert.Equal(["s1", "s2"], (await db.GetSecretsAsync("example.org")).Order(StringComparer.Ordinal));
        Assert.Equal([("n1", "example.net"), ("s1", "example.org"), ("s2", "example.org")], await db.ListSecretsAsync(null));
        Assert.Equal([("s1", "example.org"), ("s2", "example.org")], await db.ListSecretsAsync("example.org"));
        Assert.False(await db.DeleteSecretAsync("example.org", "S1"));
        Assert.True(await db.DeleteSecretAsync("example.org", "s1"));
        Assert.False(await db.DeleteSecretAsync("example.net", "s2"));
        Assert.Equal(1, await db.DeleteAllSecretsAsync("example.org"));
        Assert.Equal(0, await db.DeleteAllSecretsAsync("example.org"));
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
        Assert.Equal([("example.org", "max-bps", "300000"), ("example.org", "user-quota", "12")], await db.ListRealmOptionsAsync("example.org"));
        await db.SetRealmOptionAsync("example.org", RealmOptionNames.TotalQuota, 0); // removing twice is fine
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
        Assert.Null(await db.GetAdminUserAsync("Root"));
        Assert.Equal(["root", "orgadmin"], (await db.ListAdminUsersAsync()).Select(a => a.Name));
        Assert.All(await db.ListAdminUsersAsync(), a => Assert.Equal(string.Empty, a.PasswordHash));
        await db.SetAdminUserAsync("orgadmin", string.Empty, AdminPasswordHash.Create("moved")); // realm replaced, not kept
        Assert.Equal(string.Empty, (await db.GetAdminUserAsync("orgadmin"))!.Realm);
        Assert.True(await db.DeleteAdminUserAsync("orgadmin"));
        Assert.False(await db.DeleteAdminUserAsync("orgadmin"));
        Assert.Null(await db.GetAdminUserAsync("orgadmin"));

        // Nothing for unknown keys.
        Assert.Null(await db.GetOAuthKeyAsync("nope"));
        Assert.Empty(await db.GetAllowedPeerIpsAsync(null));
        Assert.Empty(await db.GetDeniedPeerIpsAsync("example.org"));

        await db.PingAsync();
    }

    [Fact]
    public async Task TestSetupDataIsReadLikeCoturnReadsIt()
    {
        await using IUserDatabase db = await OpenWithSetupDataAsync();
        Assert.Equal("7d348e130bd24a6e4e12a4700c262787", await db.GetUserKeyAsync("alice", "example.org"));
        Assert.Equal(LongTermKey.ComputeMd5Hex("erin_2", "example.net", "erin-pass"), await db.GetUserKeyAsync("erin_2", "example.net"));
        Assert.Equal(["restsecret-1", "restsecret-2"], (await db.GetSecretsAsync("example.org")).Order(StringComparer.Ordinal));
        Assert.Equal("example.org", await db.GetRealmForOriginAsync(CoturnOrigin.Canonicalize("https://APP.example.org/x")));
        Assert.Equal(new RealmOptions(300000, 100, 10), await db.GetRealmOptionsAsync("example.org"));
        Assert.Equal(new RealmOptions(null, null, 4), await db.GetRealmOptionsAsync("example.net"));

        Assert.Equal(
            [new PeerIpRange(string.Empty, "10.0.0.1"), new PeerIpRange("example.org", "10.1.0.0-10.1.255.255")],
            (await db.GetAllowedPeerIpsAsync(null)).OrderBy(r => r.Realm, StringComparer.Ordinal));
        Assert.Equal([new PeerIpRange("example.org", "10.1.0.0-10.1.255.255")], await db.GetAllowedPeerIpsAsync("example.org"));
        Assert.Equal([new PeerIpRange("example.net", "fd00::1")], await db.GetDeniedPeerIpsAsync("example.net"));
        Assert.Equal([new PeerIpRange(string.Empty, "192.168.0.0-192.168.255.255")], await db.GetDeniedPeerIpsAsync(string.Empty));
        Assert.Equal(2, (await db.GetDeniedPeerIpsAsync(null)).Count);

        OAuthKey? key = await db.GetOAuthKeyAsync("key-2026-01");
        Assert.Equal(new OAuthKey("key-2026-01", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 1767225600, 3600, "A256GCM", "example.org"), key);
        Assert.DoesNotContain("AAECAw", key!.ToString(), StringComparison.Ordinal);
        Assert.Equal(new OAuthKey("key-legacy", "MDEyMzQ1Njc4OWFiY2RlZg==", 0, 0, "A128GCM", string.Empty), await db.GetOAuthKeyAsync("key-legacy"));
        Assert.Null(await db.GetOAuthKeyAsync("KEY-LEGACY"));

        AdminUser? orgadmin = await db.GetAdminUserAsync("orgadmin");
        Assert.Equal("example.org", orgadmin!.Realm);
        Assert.True(AdminPasswordHash.Verify("orgadminpass", orgadmin.PasswordHash));
        Assert.True(AdminPasswordHash.Verify("rootpass", (await db.GetAdminUserAsync("root"))!.PasswordHash));
        Assert.Equal([new AdminUser("root", string.Empty, string.Empty), new AdminUser("orgadmin", "example.org", string.Empty)], await db.ListAdminUsersAsync());

        Assert.Equal(
            [("carol", "example.net"), ("erin_2", "example.net"), ("alice", "example.org"), ("bob", "example.org")],
            await db.ListUsersAsync(null));
        Assert.Equal(
            [("netsecret", "example.net"), ("restsecret-1", "example.org"), ("restsecret-2", "example.org")],
            await db.ListSecretsAsync(null));
        Assert.Equal([("http://example.net:80", "example.net"), ("https://app.example.org:443", "example.org")], await db.ListOriginsAsync(null));
        Assert.Equal(
            [("example.net", "user-quota", "4"), ("example.org", "max-bps", "300000"), ("example.org", "total-quota", "100"), ("example.org", "user-quota", "10")],
            await db.ListRealmOptionsAsync(null));
    }

    [Theory]
    [MemberData(nameof(Nasty), MemberType = typeof(UserDbSuite))]
    public async Task ValuesAreStoredAndMatchedLiterally(string nasty)
    {
        await using IUserDatabase db = (await OpenFreshAsync()).Db;

        // Decoys that a LIKE pattern, a glob, a case-insensitive match or a broken quote would also hit.
        await db.SetUserKeyAsync("decoy", "decoy", "11111111111111111111111111111111");
        await db.SetUserKeyAsync("decoy", "x", "11111111111111111111111111111111");
        await db.SetUserKeyAsync(nasty.ToUpperInvariant() + "Z", nasty, "22222222222222222222222222222222");
        await db.SetUserKeyAsync("a" + nasty, nasty, "33333333333333333333333333333333");

        await db.SetUserKeyAsync(nasty, nasty, "3d43f24c71b71cdd4be54e0721962a79");
        Assert.Equal("3d43f24c71b71cdd4be54e0721962a79", await db.GetUserKeyAsync(nasty, nasty));
        Assert.Null(await db.GetUserKeyAsync(nasty + "x", nasty));
        Assert.Null(await db.GetUserKeyAsync(nasty, nasty + "x"));
        Assert.Contains((nasty, nasty), await db.ListUsersAsync(nasty));
        Assert.Equal(3, (await db.ListUsersAsync(nasty)).Count);
        Assert.Equal(5, (await db.ListUsersAsync(null)).Count);
        Assert.Empty(await db.ListUsersAsync(nasty + "%"));
        Assert.Empty(await db.ListUsersAsync(nasty + "*"));

        await db.AddSecretAsync(nasty, nasty);
        await db.AddSecretAsync("decoy", "decoy");
        Assert.Equal([nasty], await db.GetSecretsAsync(nasty));
        Assert.Equal([(nasty, nasty)], await db.ListSecretsAsync(nasty));
        Assert.Contains((nasty, nasty), await db.ListSecretsAsync(null));
        Assert.False(await db.DeleteSecretAsync(nasty, nasty + "%"));
        Assert.True(await db.DeleteSecretAsync(nasty, nasty));

        await db.AddOriginAsync(nasty, nasty);
        Assert.Equal(nasty, await db.GetRealmForOriginAsync(nasty));
        Assert.Null(await db.GetRealmForOriginAsync(nasty + "%"));
        if (nasty.Length > 1 && nasty[0] != '_')
        {
            Assert.Null(await db.GetRealmForOriginAsync("_" + nasty[1..])); // what LIKE '_...' would also find
        }

        Assert.Equal([(nasty, nasty)], await db.ListOriginsAsync(nasty));

        await db.SetRealmOptionAsync(nasty, RealmOptionNames.UserQuota, 7);
        Assert.Equal(7, (await db.GetRealmOptionsAsync(nasty)).UserQuota);
        Assert.Null((await db.GetRealmOptionsAsync("decoy")).UserQuota);
        Assert.Equal([(nasty, "user-quota", "7")], await db.ListRealmOptionsAsync(nasty));
        Assert.Contains((nasty, "user-quota", "7"), await db.ListRealmOptionsAsync(null));

        await db.SetAdminUserAsync(nasty, nasty, nasty);
        Assert.Equal(new AdminUser(nasty, nasty, nasty), await db.GetAdminUserAsync(nasty));
        Assert.True(AdminPasswordHash.Verify(nasty, (await db.GetAdminUserAsync(nasty))!.PasswordHash));
        Assert.Contains(new AdminUser(nasty, nasty, string.Empty), await db.ListAdminUsersAsync());

        Assert.True(await db.DeleteUserAsync(nasty, nasty));
        Assert.Equal("11111111111111111111111111111111", await db.GetUserKeyAsync("decoy", "decoy"));
        Assert.Equal(2, (await db.ListUsersAsync(nasty)).Count);
        Assert.True(await db.DeleteOriginAsync(nasty));
        Assert.True(await db.DeleteAdminUserAsync(nasty));
    }

    [Fact]
    public async Task ConcurrentReadersAndWritersFromSeveralInstances()
    {
        var (first, openAgain) = await OpenFreshAsync();
        await first.DisposeAsync();
        const int Writers = 4;
        const int PerWriter = 30;
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            await using IUserDatabase db = await openAgain();
            for (int i = 0; i < PerWriter; i++)
            {
                await db.SetUserKeyAsync($"w{w}u{i}", "r", $"{w:x2}{i:x2}");
                await db.AddSecretAsync("r", $"w{w}s{i}");
                await db.SetUserKeyAsync("shared", "r", $"{w:x2}{i:x2}"); // every writer updates the same row
            }
        })).ToList();
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            await using IUserDatabase db = await openAgain();
            int reads = 0;
            do
            {
                await db.ListUsersAsync("r");
                await db.GetSecretsAsync("r");
                await db.GetUserKeyAsync("w0u0", "r");
                reads++;
            }
            while (!stop.IsCancellationRequested);

            return reads;
        })).ToList();

        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(120));
        await stop.CancelAsync();
        int[] reads = await Task.WhenAll(readers);
        Assert.All(reads, n => Assert.True(n > 0));

        await using IUserDatabase check = await openAgain();
        Assert.Equal((Writers * PerWriter) + 1, (await check.ListUsersAsync("r")).Count);
        Assert.Equal(Writers * PerWriter, (await check.GetSecretsAsync("r")).Count);
        Assert.NotNull(await check.GetUserKeyAsync("shared", "r"));
    }

    [Fact]
    public async Task CancelledCallsThrowOperationCanceled()
    {
        await using IUserDatabase db = (await OpenFreshAsync()).Db;
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => db.GetUserKeyAsync("u", "r", cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => db.SetUserKeyAsync("u", "r", "00", cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => db.ListUsersAsync(null, cancelled.Token));
        Assert.Null(await db.GetUserKeyAsync("u", "r")); // nothing was written
    }

    [Fact]
    public async Task NullValuesAreRejected()
    {
        await using IUserDatabase db = (await OpenFreshAsync()).Db;
        await Assert.ThrowsAsync<ArgumentNullException>(() => db.GetUserKeyAsync(null!, "r"));
        await Assert.ThrowsAsync<ArgumentNullException>(() => db.SetUserKeyAsync("u", null!, "00"));
        await Assert.ThrowsAsync<ArgumentNullException>(() => db.AddSecretAsync("r", null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => db.GetSecretsAsync(null!));
    }
}
