using System.Text.RegularExpressions;

namespace Turn.Interop.Tests;

/// <summary>
/// PostgreSQL, MariaDB and Redis shared by coturn and our server: users written by either
/// turnadmin authenticate at the other turnserver; a Redis outage does not stop live relaying.
/// The database servers are real (Debian's), private to the test run, on loopback.
/// </summary>
public sealed class DatabaseServerInteropTests : IClassFixture<DatabaseServerInteropTests.DbServers>, IClassFixture<TurnInteropTests.PeerFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly DbServers _db;
    private readonly TurnInteropTests.PeerFixture _peer;

    public DatabaseServerInteropTests(DbServers db, TurnInteropTests.PeerFixture peer)
    {
        _db = db;
        _peer = peer;
    }

    [Theory]
    [InlineData("-e", "psql-userdb", "PG_CONNINFO")]
    [InlineData("-M", "mysql-userdb", "MYSQL_CONNINFO")]
    [InlineData("-N", "redis-userdb", "REDIS_CONNINFO")]
    public void UsersCrossBetweenCoturnAndUsThroughTheSameDatabase(string flag, string option, string variable)
    {
        string conn = _db.Env[variable];
        string theirs = "theirs" + Guid.NewGuid().ToString("N")[..6];
        string ours = "ours" + Guid.NewGuid().ToString("N")[..6];
        Admin(RepoPaths.Coturn("turnadmin"), "-a", flag, conn, "-u", theirs, "-r", "example.org", "-p", "pw1");
        Admin(RepoPaths.Bin("turnadmin"), "-a", flag, conn, "-u", ours, "-r", "example.org", "-p", "pw2");

        (RunningProcess server, int port) = Servers.StartOurs($"--{option}={conn}", "-a", "-r", "example.org", "--allow-loopback-peers", "--min-port=63500", "--max-port=63999");
        using (server)
        {
            Relay(port, "-u", theirs, "-w", "pw1");
            Relay(port, "-u", ours, "-w", "pw2");
        }

        (RunningProcess coturn, int coturnPort) = Servers.StartCoturn($"--{option}={conn}", "-a", "-r", "example.org", "--allow-loopback-peers");
        using (coturn)
        {
            Relay(coturnPort, "-u", ours, "-w", "pw2");
        }
    }

    [Fact]
    public void ARedisOutageKeepsLiveAllocationsRelayingAndRecoversWithoutARestart()
    {
        int redisPort = Servers.FreePort();
        string password = Guid.NewGuid().ToString("N");
        string conn = $"ip=127.0.0.1 port={redisPort} dbname=0 password={password} connect_timeout=2";
        RunningProcess redis = StartRedis(redisPort, password);
        try
        {
            Admin(RepoPaths.Bin("turnadmin"), "-a", "-N", conn, "-u", "bob", "-r", "example.org", "-p", "secret");
            (RunningProcess server, int port) = Servers.StartOurs($"--redis-userdb={conn}", "-a", "-r", "example.org", "--allow-loopback-peers", "--min-port=63500", "--max-port=63999");
            using (server)
            {
                Relay(port, "-u", "bob", "-w", "secret");

                // A run of ~6 s; the database goes away one second in.
                using RunningProcess live = RunningProcess.Start(
                    RepoPaths.Coturn("turnutils_uclient"),
                    ["-p", port.ToString(), "-e", "127.0.0.1", "-r", _peer.Port.ToString(), "-u", "bob", "-w", "secret", "-n", "300", "-m", "2", "-z", "20", "127.0.0.1"]);
                live.WaitForLine("start_mclient", TimeSpan.FromSeconds(20));
                redis.Dispose();

                // While the database is down a new allocation gets a clean error (not a hang): 500
                // once the cached answer is gone (other user, so nothing is cached).
                (int code, string output) = Uclient(port, "-u", "carol", "-w", "x");
                Assert.NotEqual(0, code);
                Assert.Matches("error (500|401)|Cannot complete Allocation", output);

                Assert.Equal(0, live.WaitForExit(TimeSpan.FromSeconds(60)));
                Assert.Matches(@"Total lost packets 0 \(0\.0+%\)", live.Output);

                redis = StartRedis(redisPort, password);
                Admin(RepoPaths.Bin("turnadmin"), "-a", "-N", conn, "-u", "bob", "-r", "example.org", "-p", "secret");
                var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                while (true)
                {
                    (code, output) = Uclient(port, "-u", "bob", "-w", "secret");
                    if (code == 0)
                    {
                        break;
                    }

                    Assert.True(DateTime.UtcNow < until, "no recovery after the database came back:\n" + output);
                    Thread.Sleep(1000);
                }

                Assert.False(server.HasExited);
            }
        }
        finally
        {
            redis.Dispose();
        }
    }

    private static RunningProcess StartRedis(int port, string password)
    {
        string dir = Servers.TempDir();
        RunningProcess redis = RunningProcess.Start("/usr/bin/redis-server", ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", password, "--dir", dir]);
        redis.WaitForLine("Ready to accept connections", TimeSpan.FromSeconds(20));
        return redis;
    }

    private static void Admin(string tool, params string[] args)
    {
        (int code, string output) = RunningProcess.Run(tool, args, Timeout);
        Assert.True(code == 0, $"{Path.GetFileName(tool)} exited {code}:\n{output}");
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

    /// <summary>PostgreSQL, MariaDB and Redis started by scripts/dbtest-servers for this test class.</summary>
    public sealed class DbServers : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "turn-dbinterop-" + Guid.NewGuid().ToString("N")[..8]);
        private readonly string _script = Path.Combine(RepoPaths.Root, "scripts", "dbtest-servers");

        public DbServers()
        {
            (int code, string output) = RunningProcess.Run(_script, ["start", "--dir", _dir, "--owner-pid", Environment.ProcessId.ToString()], TimeSpan.FromMinutes(3), RepoPaths.Root);
            if (code != 0)
            {
                throw new InvalidOperationException($"scripts/dbtest-servers start failed ({code}); run scripts/install-db-deps:\n{output}");
            }

            foreach (Match m in Regex.Matches(output, @"^([A-Z_]+)='?([^'\n]*)'?$", RegexOptions.Multiline))
            {
                Env[m.Groups[1].Value] = m.Groups[2].Value;
            }
        }

        public Dictionary<string, string> Env { get; } = [];

        public void Dispose() => RunningProcess.Run(_script, ["stop", "--dir", _dir], TimeSpan.FromMinutes(1), RepoPaths.Root);
    }
}
