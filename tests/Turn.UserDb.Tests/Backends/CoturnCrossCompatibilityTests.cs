using System.Text.RegularExpressions;
using Turn.UserDb.MySql;
using Turn.UserDb.Postgres;
using Turn.UserDb.Redis;

namespace Turn.UserDb.Tests.Backends;

/// <summary>
/// coturn 4.6.1's turnadmin (-e/-M/-N) and ours on the same PostgreSQL, MariaDB or Redis database: what coturn writes
/// our backend reads, what ours writes coturn lists identically, and both tools list every database alike.
/// </summary>
public abstract partial class CoturnCrossCompatibility
{
    private static readonly string[][] ListCommands =
    [
        ["-l"], ["-l", "-r", "example.org"], ["-l", "-r", "example.net"], ["-l", "-r", "nowhere"],
        ["-S"], ["-S", "-r", "example.org"],
        ["-I"], ["-I", "-r", "example.net"],
        ["-G"], ["-G", "-r", "example.org"],
        ["-L"], ["-L", "-r", "example.org"],
    ];

    /// <summary>coturn's option for this backend: -e, -M or -N.</summary>
    protected abstract string Option { get; }

    /// <summary>
    /// coturn's Redis driver formats each command as one text that hiredis splits on blanks and reads as a printf
    /// format: values with a blank or a % do not survive it, so the Redis variant uses values without them.
    /// </summary>
    protected virtual bool CoturnKeepsBlanksAndPercent => true;

    /// <summary>coturn's -O replaces an existing mapping of the origin (Redis SET); its SQL drivers' INSERT fails instead.</summary>
    protected virtual bool CoturnReplacesOrigins => false;

    /// <summary>coturn's --delete-all-secrets works (SQL); its Redis driver SREMs an empty member instead and deletes nothing.</summary>
    protected virtual bool CoturnDeletesAllSecrets => true;

    /// <summary>coturn prints Redis lists in hash order (ours sorts): compare them as sets of lines.</summary>
    protected virtual bool CoturnListsUnordered => false;

    private string SecretWithBlank => CoturnKeepsBlanksAndPercent ? "sec ret;--%_" : "secret;--_";

    private string UserWithPercent => CoturnKeepsBlanksAndPercent ? "d%_\u00e4" : "d_\u00e4";

    // Every write command of turnadmin, with values coturn accepts.
    private string[][] WriteCommands =>
    [
        ["-a", "-u", "bob", "-r", "example.org", "-p", "secret"],
        ["-a", "-u", "alice", "-r", "example.org", "-p", "p w;'\"--%_\\"],
        ["-a", "-u", "carol;--", "-r", "example.net", "-p", "x"],
        ["-a", "-u", UserWithPercent, "-r", "example.net", "-p", "\u00fc"],
        ["-a", "-u", "zed", "-r", "example.org", "-p", "first"],
        ["-a", "-u", "zed", "-r", "example.org", "-p", "second"],
        ["-a", "-u", "gone", "-r", "example.org", "-p", "x"],
        ["-d", "-u", "gone", "-r", "example.org"],
        ["-s", "restsecret", "-r", "example.org"],
        ["-s", SecretWithBlank, "-r", "example.org"],
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
        ["-g", "-r", "example.net", "--max-bps", "5"],
        ["-g", "-r", "example.net", "--max-bps", "0"],
        ["-A", "-u", "root", "-p", "rootpass"],
        ["-A", "-u", "orgadmin", "-r", "example.org", "-p", "orgadminpass"],
        ["-A", "-u", "orgadmin", "-r", "example.org", "-p", "changed"],
        ["-A", "-u", "temp", "-r", "example.net", "-p", "x"],
        ["-D", "-u", "temp"],
    ];

    /// <summary>coturn's connection string for a new, empty database (SQL: with coturn's tables).</summary>
    protected abstract Task<string> FreshAsync();

    /// <summary>Fills a new database with turndb/testsqldbsetup.sql's data; returns its connection string.</summary>
    protected abstract Task<string> FreshWithSetupDataAsync();

    protected abstract Task<IUserDatabase> OpenAsync(string conninfo);

    [Fact]
    public async Task DatabaseWrittenByCoturnIsReadByOurBackendAndListedAlike()
    {
        string db = await FreshAsync();
        foreach (string[] cmd in WriteCommands)
        {
            CliResult r = CoturnDb.Run([.. cmd, Option, db]);
            Assert.True(r.ExitCode == 0, string.Join(' ', cmd) + ": " + r);
        }

        await AssertContentAsync(db, byCoturnOnly: true);
        AssertListsEqual(db);
    }

    [Fact]
    public async Task DatabaseWrittenByOurTurnadminIsListedAlikeByCoturn()
    {
        string db = await FreshAsync();
        foreach (string[] cmd in WriteCommands)
        {
            CliResult r = Ours.Run([.. cmd, Option, db]);
            Assert.True(r.ExitCode == 0, string.Join(' ', cmd) + ": " + r);
        }

        await AssertContentAsync(db);
        AssertListsEqual(db);
    }

    [Fact]
    public async Task BothToolsWorkOnTheSameDatabaseInTurn()
    {
        string db = await FreshAsync();
        for (int i = 0; i < WriteCommands.Length; i++)
        {
            string[] args = [.. WriteCommands[i], Option, db];
            CliResult r = i % 2 == 0 ? CoturnDb.Run(args) : Ours.Run(args);
            Assert.True(r.ExitCode == 0, string.Join(' ', args) + ": " + r);
        }

        await AssertContentAsync(db);
        AssertListsEqual(db);
    }

    [Fact]
    public async Task TestSetupDataIsListedAlike()
    {
        string db = await FreshWithSetupDataAsync();
        AssertListsEqual(db);
        Assert.Equal(4, Ours.Run("-l", Option, db).StdoutLines.Length);

        // coturn's turnadmin can change it, and we read the change.
        Assert.Equal(0, CoturnDb.Run("-a", Option, db, "-u", "frank", "-r", "example.org", "-p", "frank-pass").ExitCode);
        await using IUserDatabase udb = await OpenAsync(db);
        Assert.Equal(LongTermKey.ComputeMd5Hex("frank", "example.org", "frank-pass"), await udb.GetUserKeyAsync("frank", "example.org"));
    }

    private async Task AssertContentAsync(string conninfo, bool byCoturnOnly = false)
    {
        await using IUserDatabase db = await OpenAsync(conninfo);
        Assert.Equal(LongTermKey.ComputeMd5Hex("bob", "example.org", "secret"), await db.GetUserKeyAsync("bob", "example.org"));
        Assert.Equal(LongTermKey.ComputeMd5Hex("alice", "example.org", "p w;'\"--%_\\"), await db.GetUserKeyAsync("alice", "example.org"));
        Assert.Equal(LongTermKey.ComputeMd5Hex("carol;--", "example.net", "x"), await db.GetUserKeyAsync("carol;--", "example.net"));
        Assert.Equal(LongTermKey.ComputeMd5Hex(UserWithPercent, "example.net", "\u00fc"), await db.GetUserKeyAsync(UserWithPercent, "example.net"));
        Assert.Equal(LongTermKey.ComputeMd5Hex("zed", "example.org", "second"), await db.GetUserKeyAsync("zed", "example.org"));
        Assert.Null(await db.GetUserKeyAsync("gone", "example.org"));

        Assert.Equal(["restsecret", SecretWithBlank], (await db.GetSecretsAsync("example.org")).Order(StringComparer.Ordinal));
        Assert.Equal(["netsecret"], await db.GetSecretsAsync("example.net"));
        Assert.Equal(byCoturnOnly && !CoturnDeletesAllSecrets ? ["all-1", "all-2"] : [], (await db.GetSecretsAsync("doomed.org")).Order(StringComparer.Ordinal));

        Assert.Equal("example.org", await db.GetRealmForOriginAsync("https://app.example.org:443"));
        Assert.Equal("example.net", await db.GetRealmForOriginAsync("http://example.net:80"));
        Assert.Equal(byCoturnOnly && !CoturnReplacesOrigins ? "example.org" : "example.net", await db.GetRealmForOriginAsync("turns://t.example.net:5349"));
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

    private void AssertListsEqual(string db)
    {
        foreach (string[] list in ListCommands)
        {
            CliResult coturn = CoturnDb.Run([.. list, Option, db]);
            CliResult ours = Ours.Run([.. list, Option, db]);
            Assert.True(coturn.ExitCode == 0, "coturn: " + coturn);
            Assert.True(ours.ExitCode == 0, "ours: " + ours);
            string expected = Normalize(list, coturn.Stdout);
            string actual = Normalize(list, ours.Stdout);
            Assert.True(expected == actual, $"turnadmin {string.Join(' ', list)} {Option}\ncoturn:\n{coturn.Stdout}\nours:\n{ours.Stdout}");
            Assert.Equal(string.Empty, ours.Stderr);
        }

        Assert.NotEmpty(Ours.Run("-l", Option, db).StdoutLines);
    }

    private string Normalize(string[] list, string stdout)
    {
        if (!CoturnListsUnordered)
        {
            return stdout;
        }

        IEnumerable<string> lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (list[0] == "-G")
        {
            // coturn's Redis driver prints "realm/option = value" where its SQL drivers (and our turnadmin) print
            // "option[realm]=value".
            lines = lines.Select(l => RedisRealmOption().Replace(l, "$2[$1]=$3"));
        }

        return string.Join('\n', lines.Order(StringComparer.Ordinal));
    }

    [GeneratedRegex(@"^(.*)/(max-bps|total-quota|user-quota) = (.*)$")]
    private static partial Regex RedisRealmOption();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresCoturnCrossCompatibilityTests(PostgresServer server) : CoturnCrossCompatibility
{
    protected override string Option => "-e";

    protected override async Task<string> FreshAsync() => server.Conninfo(await server.CreateDatabaseAsync());

    protected override async Task<string> FreshWithSetupDataAsync()
    {
        string name = await server.CreateDatabaseAsync();
        await server.ExecuteAsync(name, SetupData.Sql);
        return server.Conninfo(name);
    }

    protected override Task<IUserDatabase> OpenAsync(string conninfo) => new PostgresUserDatabaseFactory().OpenAsync(conninfo);
}

[Collection(MySqlCollection.Name)]
public sealed class MySqlCoturnCrossCompatibilityTests(MySqlServer server) : CoturnCrossCompatibility
{
    protected override string Option => "-M";

    protected override async Task<string> FreshAsync() => server.Conninfo(await server.CreateDatabaseAsync());

    protected override async Task<string> FreshWithSetupDataAsync()
    {
        string name = await server.CreateDatabaseAsync();
        await server.ExecuteAsync(name, SetupData.Sql);
        return server.Conninfo(name);
    }

    protected override Task<IUserDatabase> OpenAsync(string conninfo) => new MySqlUserDatabaseFactory().OpenAsync(conninfo);
}

[Collection(RedisCollection.Name)]
public sealed class RedisCoturnCrossCompatibilityTests(RedisServer server) : CoturnCrossCompatibility
{
    protected override string Option => "-N";

    protected override bool CoturnKeepsBlanksAndPercent => false;

    protected override bool CoturnReplacesOrigins => true;

    protected override bool CoturnDeletesAllSecrets => false;

    protected override bool CoturnListsUnordered => true;

    protected override async Task<string> FreshAsync() => server.Conninfo(await server.CreateDatabaseAsync());

    protected override async Task<string> FreshWithSetupDataAsync()
    {
        int db = await server.CreateDatabaseAsync();
        await SetupData.LoadRedisAsync(server, db);
        return server.Conninfo(db);
    }

    protected override Task<IUserDatabase> OpenAsync(string conninfo) => new RedisUserDatabaseFactory().OpenAsync(conninfo);
}
