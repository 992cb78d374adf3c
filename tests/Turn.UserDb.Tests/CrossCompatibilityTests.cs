using Turn.UserDb.Sqlite;

namespace Turn.UserDb.Tests;

/// <summary>Databases written by coturn's turnadmin are read by us, and the other way round; both turnadmins list them alike.</summary>
public sealed class CrossCompatibilityTests : IDisposable
{
    private static readonly string[][] ListCommands =
    [
        ["-l"], ["-l", "-r", "example.org"], ["-l", "-r", "example.net"], ["-l", "-r", "nowhere"],
        ["-S"], ["-S", "-r", "example.org"],
        ["-I"], ["-I", "-r", "example.net"],
        ["-G"], ["-G", "-r", "example.org"],
        ["-L"], ["-L", "-r", "example.org"],
    ];

    // Every write command of turnadmin, with values coturn accepts (user names without blanks or quotes).
    private static readonly string[][] WriteCommands =
    [
        ["-a", "-u", "bob", "-r", "example.org", "-p", "secret"],
        ["-a", "-u", "alice", "-r", "example.org", "-p", "p w;'\"--%_\\"],
        ["-a", "-u", "carol;--", "-r", "example.net", "-p", "x"],
        ["-a", "-u", "d%_\u00e4", "-r", "example.net", "-p", "\u00fc"],
        ["-a", "-u", "zed", "-r", "example.org", "-p", "first"],
        ["-a", "-u", "zed", "-r", "example.org", "-p", "second"],
        ["-a", "-u", "gone", "-r", "example.org", "-p", "x"],
        ["-d", "-u", "gone", "-r", "example.org"],
        ["-s", "restsecret", "-r", "example.org"],
        ["-s", "sec ret;--%_", "-r", "example.org"],
        ["-s", "netsecret", "-r", "example.net"],
        ["-s", "dropped", "-r", "example.net"],
        ["-X", "dropped", "-r", "example.net"],
        ["-s", "all-1", "-r", "doomed.org"],
        ["-s", "all-2", "-r", "doomed.org"],
        ["--delete-all-secrets", "-r", "doomed.org"],
        ["-O", "-o", "https://App.Example.org/path", "-r", "example.org"],
        ["-O", "-o", "http://example.net", "-r", "example.net"],
        ["-O", "-o", "turns://t.example.net", "-r", "example.org"],
        ["-O", "-o", "turns://t.example.net", "-r", "example.net"],
        ["-O", "-o", "http://gone.example", "-r", "example.net"],
        ["-R", "-o", "HTTP://gone.example:80"],
        ["-g", "-r", "example.org", "--max-bps", "300000", "--total-quota", "100"],
        ["-g", "-r", "example.org", "--user-quota=10"],
        ["-g", "-r", "example.net", "--user-quota", "4"],
        ["-A", "-u", "root", "-p", "rootpass"],
        ["-A", "-u", "orgadmin", "-r", "example.org", "-p", "orgadminpass"],
        ["-A", "-u", "orgadmin", "-r", "example.org", "-p", "changed"],
        ["-A", "-u", "temp", "-r", "example.net", "-p", "x"],
        ["-D", "-u", "temp"],
    ];

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task DatabaseWrittenByCoturnIsReadByOurBackendAndListedAlike()
    {
        string db = _dir.File("by-coturn.db");
        foreach (string[] cmd in WriteCommands)
        {
            CliResult r = Coturn.Run(db, [.. cmd, "-b", db]);
            Assert.True(r.ExitCode == 0, string.Join(' ', cmd) + ": " + r);
        }

        await AssertContentAsync(db);
        AssertListsEqual(db);
    }

    [Fact]
    public async Task DatabaseWrittenByOurTurnadminIsListedAlikeByCoturn()
    {
        string db = _dir.File("by-us.db");
        foreach (string[] cmd in WriteCommands)
        {
            CliResult r = Ours.Run([.. cmd, "-b", db]);
            Assert.True(r.ExitCode == 0, string.Join(' ', cmd) + ": " + r);
        }

        await AssertContentAsync(db);
        AssertListsEqual(db);
    }

    [Fact]
    public void BothToolsWorkOnTheSameFileInTurn()
    {
        string db = _dir.File("shared.db");
        for (int i = 0; i < WriteCommands.Length; i++)
        {
            CliResult r = i % 2 == 0 ? Coturn.Run(db, [.. WriteCommands[i], "-b", db]) : Ours.Run([.. WriteCommands[i], "-b", db]);
            Assert.Equal(0, r.ExitCode);
        }

        AssertListsEqual(db);

        // And the same sequence run entirely by coturn gives the same listings.
        string reference = _dir.File("reference.db");
        foreach (string[] cmd in WriteCommands)
        {
            Assert.Equal(0, Coturn.Run(reference, [.. cmd, "-b", reference]).ExitCode);
        }

        foreach (string[] list in ListCommands)
        {
            Assert.Equal(Coturn.Run(reference, [.. list, "-b", reference]).Stdout, Ours.Run([.. list, "-b", db]).Stdout);
        }
    }

    [Fact]
    public async Task TestSetupScriptIsListedAlikeAndReadByUs()
    {
        string db = _dir.File("setup.db");
        await (await new SqliteUserDatabaseFactory().OpenAsync(db)).DisposeAsync();
        SqliteBackendTests.ApplySetupScript(db);
        AssertListsEqual(db);

        // coturn's turnadmin can change it, too.
        Assert.Equal(0, Coturn.Run(db, "-a", "-b", db, "-u", "frank", "-r", "example.org", "-p", "frank-pass").ExitCode);
        await using IUserDatabase udb = await new SqliteUserDatabaseFactory().OpenAsync(db);
        Assert.Equal(LongTermKey.ComputeMd5Hex("frank", "example.org", "frank-pass"), await udb.GetUserKeyAsync("frank", "example.org"));
        Assert.Equal(4, (await udb.GetAllowedPeerIpsAsync(null)).Count + (await udb.GetDeniedPeerIpsAsync(null)).Count);
    }

    private static async Task AssertContentAsync(string path)
    {
        await using IUserDatabase db = await new SqliteUserDatabaseFactory().OpenAsync(path);
        Assert.Equal(LongTermKey.ComputeMd5Hex("bob", "example.org", "secret"), await db.GetUserKeyAsync("bob", "example.org"));
        Assert.Equal(LongTermKey.ComputeMd5Hex("alice", "example.org", "p w;'\"--%_\\"), await db.GetUserKeyAsync("alice", "example.org"));
        Assert.Equal(LongTermKey.ComputeMd5Hex("carol;--", "example.net", "x"), await db.GetUserKeyAsync("carol;--", "example.net"));
        Assert.Equal(LongTermKey.ComputeMd5Hex("d%_\u00e4", "example.net", "\u00fc"), await db.GetUserKeyAsync("d%_\u00e4", "example.net"));
        Assert.Equal(LongTermKey.ComputeMd5Hex("zed", "example.org", "second"), await db.GetUserKeyAsync("zed", "example.org"));
        Assert.Null(await db.GetUserKeyAsync("gone", "example.org"));

        Assert.Equal(["restsecret", "sec ret;--%_"], (await db.GetSecretsAsync("example.org")).Order(StringComparer.Ordinal));
        Assert.Equal(["netsecret"], await db.GetSecretsAsync("example.net"));
        Assert.Empty(await db.GetSecretsAsync("doomed.org"));

        Assert.Equal("example.org", await db.GetRealmForOriginAsync("https://app.example.org:443"));
        Assert.Equal("example.net", await db.GetRealmForOriginAsync("http://example.net:80"));
        Assert.Equal("example.net", await db.GetRealmForOriginAsync("turns://t.example.net:5349"));
        Assert.Null(await db.GetRealmForOriginAsync("http://gone.example:80"));

        Assert.Equal(new RealmOptions(300000, 100, 10), await db.GetRealmOptionsAsync("example.org"));
        Assert.Equal(new RealmOptions(null, null, 4), await db.GetRealmOptionsAsync("example.net"));

        AdminUser? root = await db.GetAdminUserAsync("root");
        Assert.Equal(string.Empty, root!.Realm);
        Assert.True(AdminPasswordHash.Verify("rootpass", root.PasswordHash));
        AdminUser? orgadmin = await db.GetAdminUserAsync("orgadmin");
        Assert.Equal("example.org", orgadmin!.Realm);
        Assert.True(AdminPasswordHash.Verify("changed", orgadmin.PasswordHash));
        Assert.Null(await db.GetAdminUserAsync("temp"));
    }

    private static void AssertListsEqual(string db)
    {
        foreach (string[] list in ListCommands)
        {
            CliResult coturn = Coturn.Run(db, [.. list, "-b", db]);
            CliResult ours = Ours.Run([.. list, "-b", db]);
            Assert.Equal(0, coturn.ExitCode);
            Assert.Equal(0, ours.ExitCode);
            Assert.True(coturn.Stdout == ours.Stdout, $"turnadmin {string.Join(' ', list)}\ncoturn:\n{coturn.Stdout}\nours:\n{ours.Stdout}");
            Assert.Equal(string.Empty, ours.Stderr);
        }

        Assert.NotEmpty(Ours.Run("-l", "-b", db).StdoutLines);
    }
}
