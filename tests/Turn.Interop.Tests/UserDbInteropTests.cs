namespace Turn.Interop.Tests;

/// <summary>
/// One SQLite user database, two implementations: users and secrets written by coturn's turnadmin
/// authenticate at our turnserver, and those written by our turnadmin at coturn's turnserver.
/// </summary>
public sealed class UserDbInteropTests : IClassFixture<TurnInteropTests.PeerFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TurnInteropTests.PeerFixture _peer;

    public UserDbInteropTests(TurnInteropTests.PeerFixture peer) => _peer = peer;

    [Fact]
    public void UsersAndSecretsWrittenByCoturnsTurnadminAuthenticateAtOurServer()
    {
        string db = Path.Combine(Servers.TempDir(), "turndb");
        Admin(RepoPaths.Coturn("turnadmin"), "-a", "-b", db, "-u", "dbuser", "-r", "example.org", "-p", "dbpass");
        using (Ours(db, "-a"))
        {
            Relay(_ours, "-u", "dbuser", "-w", "dbpass");
            Refused(_ours, "-u", "dbuser", "-w", "wrong");
        }

        Admin(RepoPaths.Coturn("turnadmin"), "-s", "logen", "-b", db, "-r", "example.org");
        using (Ours(db, "--use-auth-secret"))
        {
            Relay(_ours, "-u", "restuser", "-W", "logen");
            Refused(_ours, "-u", "restuser", "-W", "other");
        }
    }

    [Fact]
    public void UsersAndSecretsWrittenByOurTurnadminAuthenticateAtCoturn()
    {
        string db = Path.Combine(Servers.TempDir(), "turndb");
        Admin(RepoPaths.Bin("turnadmin"), "-a", "-b", db, "-u", "dbuser", "-r", "example.org", "-p", "dbpass");
        Admin(RepoPaths.Bin("turnadmin"), "-s", "logen", "-b", db, "-r", "example.org");
        (RunningProcess coturn, int port) = Servers.StartCoturn($"--userdb={db}", "-a", "-r", "example.org", "--allow-loopback-peers");
        using (coturn)
        {
            Relay(port, "-u", "dbuser", "-w", "dbpass");
            Refused(port, "-u", "dbuser", "-w", "wrong");
        }

        (coturn, port) = Servers.StartCoturn($"--userdb={db}", "--use-auth-secret", "-r", "example.org", "--allow-loopback-peers");
        using (coturn)
        {
            Relay(port, "-u", "restuser", "-W", "logen");
        }
    }

    [Fact]
    public void AUserAddedWhileTheServerRunsAuthenticatesWithoutARestart()
    {
        string db = Path.Combine(Servers.TempDir(), "turndb");
        Admin(RepoPaths.Bin("turnadmin"), "-a", "-b", db, "-u", "first", "-r", "example.org", "-p", "one");
        using (Ours(db, "-a"))
        {
            Refused(_ours, "-u", "second", "-w", "two");
            Admin(RepoPaths.Bin("turnadmin"), "-a", "-b", db, "-u", "second", "-r", "example.org", "-p", "two");
            // Negative answers are cached for a few seconds: retry (bounded) until the new user is seen.
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (true)
            {
                (int code, string output) = Uclient(_ours, "-u", "second", "-w", "two");
                if (code == 0)
                {
                    Assert.Matches(@"Total lost packets 0 \(", output);
                    break;
                }

                Assert.True(DateTime.UtcNow < until, "the new user was not accepted within 30 s:\n" + output);
                Thread.Sleep(500);
            }
        }
    }

    [Fact]
    public void ARealmQuotaSetWithTurnadminWhileTheServerRunsIsEnforced()
    {
        string db = Path.Combine(Servers.TempDir(), "turndb");
        Admin(RepoPaths.Bin("turnadmin"), "-a", "-b", db, "-u", "dbuser", "-r", "example.org", "-p", "dbpass");
        using (Ours(db, "-a"))
        {
            Relay(_ours, "-u", "dbuser", "-w", "dbpass", "-c");
            Admin(RepoPaths.Coturn("turnadmin"), "-g", "-b", db, "-r", "example.org", "--user-quota", "1");
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (true)
            {
                // Two clients of one user, one allocation each: the second is over the quota (486).
                (int code, string output) = Uclient(_ours, "-u", "dbuser", "-w", "dbpass", "-c");
                if (code != 0)
                {
                    Assert.Contains("error 486", output);
                    break;
                }

                Assert.True(DateTime.UtcNow < until, "the realm's user-quota was not applied within 30 s");
                Thread.Sleep(500);
            }

            Admin(RepoPaths.Bin("turnadmin"), "-g", "-b", db, "-r", "example.org", "--user-quota", "0");
        }
    }

    [Fact]
    public void CoturnsOAuthClientAllocatesWithATokenForAKeyInTheDatabase()
    {
        // coturn's uclient -J encrypts tokens with its built-in test keys (kids north, union,
        // oldempire); coturn's test data puts those keys in oauth_key. It switches kid between
        // requests, which coturn's server refuses too, so only the Allocate is checked here.
        string db = Path.Combine(Servers.TempDir(), "turndb");
        Admin(RepoPaths.Bin("turnadmin"), "-a", "-b", db, "-u", "nobody", "-r", "example.org", "-p", "x");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db}"))
        {
            connection.Open();
            foreach (string line in File.ReadLines("/usr/share/coturn/testsqldbsetup.sql").Where(l => l.Contains("oauth_key", StringComparison.Ordinal)))
            {
                using var command = connection.CreateCommand();
                command.CommandText = line;
                command.ExecuteNonQuery();
            }
        }

        (RunningProcess server, int port) = Servers.StartOurs($"--userdb={db}", "--oauth", "-a", "-r", "example.org", "--allow-loopback-peers", "-v", "--min-port=63000", "--max-port=63499");
        using (server)
        {
            Uclient(port, "-J");
            server.WaitForLine(@"allocation for 127\.0\.0\.1:\d+ \((north|union|oldempire)\)", TimeSpan.FromSeconds(10));
        }
    }

    private int _ours;

    private RunningProcess Ours(string db, string auth)
    {
        (RunningProcess server, int port) = Servers.StartOurs($"--userdb={db}", auth, "-r", "example.org", "--allow-loopback-peers", "--min-port=63000", "--max-port=63499");
        _ours = port;
        return server;
    }

    private static void Admin(string tool, params string[] args)
    {
        (int code, string output) = RunningProcess.Run(tool, args, Timeout);
        Assert.True(code == 0, $"{tool} {string.Join(' ', args)} exited {code}:\n{output}");
    }

    private (int Code, string Output) Uclient(int port, params string[] args) =>
        RunningProcess.Run(
            RepoPaths.Coturn("turnutils_uclient"),
            ["-p", port.ToString(), "-e", "127.0.0.1", "-r", _peer.Port.ToString(), "-n", "10", "-m", "2", "-z", "5", .. args, "127.0.0.1"],
            Timeout);

    private void Relay(int port, params string[] args)
    {
        (int code, string output) = Uclient(port, args);
        Assert.True(code == 0, output);
        Assert.Matches(@"Total lost packets 0 \(0\.0+%\)", output);
    }

    private void Refused(int port, params string[] args)
    {
        (int code, string output) = Uclient(port, args);
        Assert.NotEqual(0, code);
        Assert.Contains("Cannot complete Allocation", output);
    }
}
