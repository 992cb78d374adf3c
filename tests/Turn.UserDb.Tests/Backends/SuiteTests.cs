using Turn.UserDb.MySql;
using Turn.UserDb.Postgres;
using Turn.UserDb.Redis;
using Turn.UserDb.Sqlite;

namespace Turn.UserDb.Tests.Backends;

/// <summary>The shared suite on SQLite: proves the suite states what the reference backend does.</summary>
public sealed class SqliteSuiteTests : UserDbSuite, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    protected override async Task<(IUserDatabase Db, Func<Task<IUserDatabase>> OpenAgain)> OpenFreshAsync()
    {
        string path = _dir.File(Guid.NewGuid().ToString("N") + ".db");
        var factory = new SqliteUserDatabaseFactory();
        return (await factory.OpenAsync(path), () => factory.OpenAsync(path));
    }

    protected override async Task<IUserDatabase> OpenWithSetupDataAsync()
    {
        string path = _dir.File("setup.db");
        await (await new SqliteUserDatabaseFactory().OpenAsync(path)).DisposeAsync();
        SqliteBackendTests.ApplySetupScript(path);
        return await new SqliteUserDatabaseFactory().OpenAsync(path);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresSuiteTests(PostgresServer server) : UserDbSuite
{
    protected override async Task<(IUserDatabase Db, Func<Task<IUserDatabase>> OpenAgain)> OpenFreshAsync()
    {
        string conninfo = server.Conninfo(await server.CreateDatabaseAsync());
        var factory = new PostgresUserDatabaseFactory();
        return (await factory.OpenAsync(conninfo), () => factory.OpenAsync(conninfo));
    }

    protected override async Task<IUserDatabase> OpenWithSetupDataAsync()
    {
        string name = await server.CreateDatabaseAsync();
        await server.ExecuteAsync(name, SetupData.Sql);
        return await new PostgresUserDatabaseFactory().OpenAsync(server.Conninfo(name));
    }
}

[Collection(MySqlCollection.Name)]
public sealed class MySqlSuiteTests(MySqlServer server) : UserDbSuite
{
    protected override async Task<(IUserDatabase Db, Func<Task<IUserDatabase>> OpenAgain)> OpenFreshAsync()
    {
        string conninfo = server.Conninfo(await server.CreateDatabaseAsync());
        var factory = new MySqlUserDatabaseFactory();
        return (await factory.OpenAsync(conninfo), () => factory.OpenAsync(conninfo));
    }

    protected override async Task<IUserDatabase> OpenWithSetupDataAsync()
    {
        string name = await server.CreateDatabaseAsync();
        await server.ExecuteAsync(name, SetupData.Sql);
        return await new MySqlUserDatabaseFactory().OpenAsync(server.Conninfo(name));
    }
}

[Collection(RedisCollection.Name)]
public sealed class RedisSuiteTests(RedisServer server) : UserDbSuite
{
    protected override async Task<(IUserDatabase Db, Func<Task<IUserDatabase>> OpenAgain)> OpenFreshAsync()
    {
        string conninfo = server.Conninfo(await server.CreateDatabaseAsync());
        var factory = new RedisUserDatabaseFactory { SaveAfterWrite = false };
        return (await factory.OpenAsync(conninfo), () => factory.OpenAsync(conninfo));
    }

    protected override async Task<IUserDatabase> OpenWithSetupDataAsync()
    {
        int db = await server.CreateDatabaseAsync();
        await SetupData.LoadRedisAsync(server, db);
        return await new RedisUserDatabaseFactory().OpenAsync(server.Conninfo(db));
    }
}

/// <summary>turndb/testsqldbsetup.sql, and the same data in coturn's Redis key layout.</summary>
internal static class SetupData
{
    public static string Sql => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testsqldbsetup.sql"));

    public static async Task LoadRedisAsync(RedisServer server, int db)
    {
        using var mux = await server.ConnectAsync();
        StackExchange.Redis.IDatabase d = mux.GetDatabase(db);
        await d.StringSetAsync("turn/realm/example.org/user/alice/key", "7d348e130bd24a6e4e12a4700c262787");
        await d.StringSetAsync("turn/realm/example.org/user/bob/key", "5d97a7ff2bf94797c58228e8bbedec8a");
        await d.StringSetAsync("turn/realm/example.net/user/carol/key", "c77d1f7dad5beaab09945989c89107c1");
        await d.StringSetAsync("turn/realm/example.net/user/erin_2/key", "9248c42bc54184bca645ff07224f1261");
        await d.SetAddAsync("turn/realm/example.org/secret", ["restsecret-1", "restsecret-2"]);
        await d.SetAddAsync("turn/realm/example.net/secret", "netsecret");
        await d.HashSetAsync("turn/admin_user/root", [new("password", "$5$3a9c51e07b2d4f68$181854856382dd27d5d8e85bae3bb0be9244a14e02a953d8072781aa90f1fad6")]);
        await d.HashSetAsync("turn/admin_user/orgadmin", [new("realm", "example.org"), new("password", "$5$c41d0e9a7f3b2865$9b7ca86eff696a3924ce6c10bee80daed22b75b30e4f90c21fb316a13051d118")]);
        await d.StringSetAsync("turn/origin/https://app.example.org:443", "example.org");
        await d.StringSetAsync("turn/origin/http://example.net:80", "example.net");
        await d.StringSetAsync("turn/realm/example.org/max-bps", "300000");
        await d.StringSetAsync("turn/realm/example.org/total-quota", "100");
        await d.StringSetAsync("turn/realm/example.org/user-quota", "10");
        await d.StringSetAsync("turn/realm/example.net/user-quota", "4");
        await d.SetAddAsync("turn/realm//allowed-peer-ip", "10.0.0.1");
        await d.SetAddAsync("turn/realm/example.org/allowed-peer-ip", "10.1.0.0-10.1.255.255");
        await d.SetAddAsync("turn/realm//denied-peer-ip", "192.168.0.0-192.168.255.255");
        await d.SetAddAsync("turn/realm/example.net/denied-peer-ip", "fd00::1");
        await d.HashSetAsync("turn/oauth/kid/key-2026-01", [new("ikm_key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="), new("timestamp", "1767225600"), new("lifetime", "3600"), new("as_rs_alg", "A256GCM"), new("realm", "example.org")]);
        await d.HashSetAsync("turn/oauth/kid/key-legacy", [new("ikm_key", "MDEyMzQ1Njc4OWFiY2RlZg=="), new("as_rs_alg", "A128GCM")]);
    }
}
