using System.Diagnostics;
using System.Globalization;
using Turn.UserDb.MySql;
using Turn.UserDb.Postgres;
using Turn.UserDb.Redis;

namespace Turn.UserDb.Tests.Backends;

/// <summary>
/// A database that is down, hangs, goes away under an open client or refuses the password: every call fails with a
/// <see cref="UserDbException"/> within the connect / command timeouts (never hangs), honours its cancellation token,
/// and no message carries the password.
/// </summary>
public abstract class DatabaseDownSuite
{
    private const int ConnectTimeoutSeconds = 2;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Slack for process scheduling on a loaded CI machine.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(5);

    protected abstract string Option { get; }

    /// <summary>The real server's port and the password its connection strings carry.</summary>
    protected abstract int ServerPort { get; }

    protected abstract string Password { get; }

    /// <summary>A fresh database (name or number), with coturn's tables.</summary>
    protected abstract Task<string> DatabaseAsync();

    /// <summary>coturn's connection string for <paramref name="database"/> on 127.0.0.1:<paramref name="port"/>.</summary>
    protected abstract string Conninfo(int port, string database, int connectTimeout, string? password = null);

    protected abstract IUserDatabaseFactory Factory(TimeSpan commandTimeout);

    /// <summary>The longest a call may take when the server hangs: the backend's documented bound.</summary>
    protected virtual TimeSpan HangBound => TimeSpan.FromSeconds(ConnectTimeoutSeconds) + (2 * CommandTimeout) + TimeSpan.FromSeconds(5);

    [Fact]
    public async Task NothingListeningFailsAtOnce()
    {
        string conninfo = Conninfo(ClosedPort.Get(), await DatabaseAsync(), 10);
        var clock = Stopwatch.StartNew();
        UserDbException e = await Assert.ThrowsAsync<UserDbException>(() => Factory(CommandTimeout).OpenAsync(conninfo));
        Assert.True(clock.Elapsed < Slack, $"took {clock.Elapsed}");
        AssertNoPassword(e);
        Assert.Contains("127.0.0.1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SilentServerFailsWithinTheConnectTimeout()
    {
        using var silent = new SilentListener();
        string conninfo = Conninfo(silent.Port, await DatabaseAsync(), ConnectTimeoutSeconds);
        var clock = Stopwatch.StartNew();
        UserDbException e = await Assert.ThrowsAsync<UserDbException>(() => Factory(TimeSpan.FromSeconds(30)).OpenAsync(conninfo));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(ConnectTimeoutSeconds) + Slack, $"took {clock.Elapsed}: {e.Message}");
        AssertNoPassword(e);
    }

    [Fact]
    public async Task ServerGoneAfterOpenFailsFast()
    {
        using var proxy = new TcpProxy(ServerPort);
        await using IUserDatabase db = await Factory(CommandTimeout).OpenAsync(Conninfo(proxy.Port, await DatabaseAsync(), ConnectTimeoutSeconds));
        await db.SetUserKeyAsync("u", "r", "00112233445566778899aabbccddeeff");
        Assert.Equal("00112233445566778899aabbccddeeff", await db.GetUserKeyAsync("u", "r"));

        proxy.Kill();
        foreach (Func<Task> call in new Func<Task>[] { () => db.GetUserKeyAsync("u", "r"), () => db.ListUsersAsync(null), () => db.AddSecretAsync("r", "s"), () => db.PingAsync() })
        {
            var clock = Stopwatch.StartNew();
            UserDbException e = await Assert.ThrowsAsync<UserDbException>(call);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(ConnectTimeoutSeconds) + Slack, $"took {clock.Elapsed}: {e.Message}");
            AssertNoPassword(e);
        }
    }

    [Fact]
    public async Task HangingServerFailsWithinTheTimeoutsAndRecovers()
    {
        using var proxy = new TcpProxy(ServerPort);
        await using IUserDatabase db = await Factory(CommandTimeout).OpenAsync(Conninfo(proxy.Port, await DatabaseAsync(), ConnectTimeoutSeconds));
        await db.SetUserKeyAsync("u", "r", "00112233445566778899aabbccddeeff");

        proxy.Hang();
        var clock = Stopwatch.StartNew();
        UserDbException e = await Assert.ThrowsAsync<UserDbException>(() => db.GetUserKeyAsync("u", "r"));
        Assert.True(clock.Elapsed < HangBound + Slack, $"took {clock.Elapsed} (bound {HangBound}): {e.Message}");
        AssertNoPassword(e);

        // A cancelled call returns at once, whatever the server does.
        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            clock.Restart();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => db.ListSecretsAsync(null, cts.Token));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"took {clock.Elapsed}");
        }

        // The server answers again: the same instance works again (broken connections are replaced).
        proxy.Resume();
        string? key = null;
        var deadline = Stopwatch.StartNew();
        while (key is null && deadline.Elapsed < HangBound + HangBound)
        {
            try
            {
                key = await db.GetUserKeyAsync("u", "r");
            }
            catch (UserDbException)
            {
                await Task.Delay(200);
            }
        }

        Assert.Equal("00112233445566778899aabbccddeeff", key);
    }

    [Fact]
    public async Task WrongPasswordIsReportedWithoutThePassword()
    {
        string wrong = "wrong-" + Guid.NewGuid().ToString("N");
        string conninfo = Conninfo(ServerPort, await DatabaseAsync(), 5, wrong);
        UserDbException e = await Assert.ThrowsAsync<UserDbException>(() => Factory(CommandTimeout).OpenAsync(conninfo));
        Assert.DoesNotContain(wrong, e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(wrong[6..], e.ToString(), StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OurTurnadminReportsADownDatabaseWithoutThePassword()
    {
        string conninfo = Conninfo(ClosedPort.Get(), await DatabaseAsync(), 5);
        foreach (string[] command in new[] { new[] { "-l" }, ["-a", "-u", "u", "-r", "r", "-p", "p"], ["-s", "x", "-r", "r"] })
        {
            var clock = Stopwatch.StartNew();
            CliResult r = Ours.Run([.. command, Option, conninfo]);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("cannot open the user database", r.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain(Password, r.Stderr, StringComparison.Ordinal);
            Assert.Equal(string.Empty, r.Stdout);
            Assert.True(clock.Elapsed < Slack, $"took {clock.Elapsed}");
        }

        // -k needs no database, as in coturn.
        Assert.Equal(0, Ours.Run("-k", "-u", "u", "-r", "r", "-p", "p", Option, conninfo).ExitCode);
    }

    private void AssertNoPassword(Exception e)
    {
        Assert.DoesNotContain(Password, e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Password, e.Message, StringComparison.Ordinal);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresDownTests(PostgresServer server) : DatabaseDownSuite
{
    protected override string Option => "-e";

    protected override int ServerPort => int.Parse(server.Port, CultureInfo.InvariantCulture);

    protected override string Password => server.Password;

    protected override Task<string> DatabaseAsync() => server.CreateDatabaseAsync();

    protected override string Conninfo(int port, string database, int connectTimeout, string? password = null)
        => $"host=127.0.0.1 port={port} dbname={database} user=turn password={password ?? server.Password} connect_timeout={connectTimeout}";

    protected override IUserDatabaseFactory Factory(TimeSpan commandTimeout) => new PostgresUserDatabaseFactory { CommandTimeout = commandTimeout };
}

[Collection(MySqlCollection.Name)]
public sealed class MySqlDownTests(MySqlServer server) : DatabaseDownSuite
{
    protected override string Option => "-M";

    protected override int ServerPort => int.Parse(server.Port, CultureInfo.InvariantCulture);

    protected override string Password => server.Password;

    protected override Task<string> DatabaseAsync() => server.CreateDatabaseAsync();

    protected override string Conninfo(int port, string database, int connectTimeout, string? password = null)
        => $"host=127.0.0.1 port={port} dbname={database} user=turn password={password ?? server.Password} connect_timeout={connectTimeout}";

    protected override IUserDatabaseFactory Factory(TimeSpan commandTimeout) => new MySqlUserDatabaseFactory { CommandTimeout = commandTimeout };
}

[Collection(RedisCollection.Name)]
public sealed class RedisDownTests(RedisServer server) : DatabaseDownSuite
{
    protected override string Option => "-N";

    protected override int ServerPort => int.Parse(server.Port, CultureInfo.InvariantCulture);

    protected override string Password => server.Password;

    protected override async Task<string> DatabaseAsync() => (await server.CreateDatabaseAsync()).ToString(CultureInfo.InvariantCulture);

    protected override string Conninfo(int port, string database, int connectTimeout, string? password = null)
        => $"ip=127.0.0.1 port={port} dbname={database} password={password ?? server.Password} connect_timeout={connectTimeout}";

    protected override IUserDatabaseFactory Factory(TimeSpan commandTimeout) => new RedisUserDatabaseFactory { CommandTimeout = commandTimeout, SaveAfterWrite = false };
}
