using System.Text.RegularExpressions;

namespace Turn.Interop.Tests;

/// <summary>
/// --redis-statsdb against a real Redis (private to the test): allocation statuses as keys, and status and traffic
/// events as PUBLISHes, in coturn 4.6.1's layout, watched with redis-cli; coturn writes the same names.
/// </summary>
public sealed class RedisStatsDbInteropTests : IClassFixture<TurnInteropTests.PeerFixture>
{
    private const string Realm = "example.org";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TurnInteropTests.PeerFixture _peer;

    public RedisStatsDbInteropTests(TurnInteropTests.PeerFixture peer) => _peer = peer;

    [Fact]
    public void AllocationsAreReportedInCoturnsLayoutAndCoturnUsesTheSameNames()
    {
        using var redis = new PrivateRedis();
        string stale = "turn/realm/gone.org/user/ghost/allocation/000000000000000009/status";
        redis.Cli("set", stale, "new lifetime=600");

        List<(string Channel, string Message)> ours;
        using (RunningProcess watch = redis.Watch("turn/realm/*"))
        {
            (RunningProcess server, int port) = Servers.StartOurs($"--redis-statsdb={redis.Conn}", "-a", "-r", Realm, "--user=bob:secret", "--allow-loopback-peers", "--min-port=24400", "--max-port=24499");
            using (server)
            {
                server.WaitForLine(@"redis-statsdb: Redis ip=127\.0\.0\.1 .* is available; 1 stale", Servers.StartTimeout);
                Assert.Equal(string.Empty, redis.Cli("get", stale).Trim()); // left over by a server that died: deleted at start, as coturn does

                (int code, string output) = Uclient(port);
                Assert.True(code == 0, output);
                ours = WaitForDeletions(watch, 2);

                // coturn's client leaves one of its allocations to expire: its status key is there, with an expiry;
                // the deleted ones' keys are gone.
                string[] live = redis.Cli("keys", "turn/*/allocation/*/status").Split('\n', StringSplitOptions.RemoveEmptyEntries);
                string key = Assert.Single(live);
                Assert.Matches(@"^turn/realm/example\.org/user/bob/allocation/\d{18}/status$", key);
                Assert.Matches(@"^refreshed lifetime=\d+, type=UDP, local=127\.0\.0\.1:\d+, remote=127\.0\.0\.1:\d+, ssl=NONE, cipher=NONE$", redis.Cli("get", key).Trim());
                int ttl = int.Parse(redis.Cli("ttl", key).Trim());
                Assert.InRange(ttl, 1, 3600 + 60);
            }
        }

        // Each allocation: new, refreshed (coturn's client refreshes at once), refreshed lifetime=0, then the
        // deletion sequence: traffic, traffic/peer, deleted, total_traffic, total_traffic/peer.
        string[] shapes = [.. ours.Select(Shape).Distinct().Order(StringComparer.Ordinal)];
        Assert.Equal(
            [
                "turn/realm/example.org/user/bob/allocation/ID/status deleted",
                "turn/realm/example.org/user/bob/allocation/ID/status new lifetime=N, type=UDP, local=A, remote=A, ssl=NONE, cipher=NONE",
                "turn/realm/example.org/user/bob/allocation/ID/status refreshed lifetime=N, type=UDP, local=A, remote=A, ssl=NONE, cipher=NONE",
                "turn/realm/example.org/user/bob/allocation/ID/total_traffic rcvp=N, rcvb=N, sentp=N, sentb=N",
                "turn/realm/example.org/user/bob/allocation/ID/total_traffic/peer rcvp=N, rcvb=N, sentp=N, sentb=N",
                "turn/realm/example.org/user/bob/allocation/ID/traffic rcvp=N, rcvb=N, sentp=N, sentb=N",
                "turn/realm/example.org/user/bob/allocation/ID/traffic/peer rcvp=N, rcvb=N, sentp=N, sentb=N",
            ],
            shapes);

        // Per deleted allocation, the order coturn uses, and totals that saw the relayed data (10 messages of 100 bytes each way).
        foreach (string id in ours.Where(m => m.Message == "deleted").Select(m => Id(m.Channel)))
        {
            string[] tail = ours.Where(m => Id(m.Channel) == id).SkipWhile(m => !m.Message.StartsWith("refreshed lifetime=0,", StringComparison.Ordinal)).Select(m => Suffix(m.Channel) + " " + (m.Message.StartsWith("rcvp", StringComparison.Ordinal) ? "counters" : m.Message.Split(',')[0])).ToArray();
            Assert.Equal(["status refreshed lifetime=0", "traffic counters", "traffic/peer counters", "status deleted", "total_traffic counters", "total_traffic/peer counters"], tail);
            string peerTotal = ours.Single(m => Id(m.Channel) == id && m.Channel.EndsWith("/total_traffic/peer", StringComparison.Ordinal)).Message;
            Match counts = Regex.Match(peerTotal, @"^rcvp=(\d+), rcvb=(\d+), sentp=(\d+), sentb=(\d+)$");
            Assert.True(counts.Success, peerTotal);
            Assert.Equal(10, int.Parse(counts.Groups[3].Value));
            Assert.Equal(1000, int.Parse(counts.Groups[4].Value));
        }

        // coturn 4.6.1 with the same database and client publishes the same channel and message shapes.
        using (RunningProcess watch = redis.Watch("turn/realm/*"))
        {
            (RunningProcess coturn, int coturnPort) = Servers.StartCoturn($"--redis-statsdb={redis.Conn}", "-a", "-r", Realm, "--user=bob:secret", "--allow-loopback-peers", "--min-port=24500", "--max-port=24599");
            using (coturn)
            {
                (int code, string output) = Uclient(coturnPort);
                Assert.True(code == 0, output);
                List<(string Channel, string Message)> theirs = WaitForDeletions(watch, 2);
                Assert.Equal(shapes, theirs.Select(Shape).Distinct().Order(StringComparer.Ordinal).ToArray());
            }
        }
    }

    [Fact]
    public void ADownStatsDatabaseNeverStopsAllocationsAndIsUsedOnceItIsUp()
    {
        int redisPort = Servers.FreePort();
        string conn = $"ip=127.0.0.1 port={redisPort} dbname=0 password=pw{redisPort} connect_timeout=2";
        (RunningProcess server, int port) = Servers.StartOurs($"--redis-statsdb={conn}", "-a", "-r", Realm, "--user=bob:secret", "--allow-loopback-peers", "--min-port=24600", "--max-port=24699");
        using (server)
        {
            server.WaitForLine("redis-statsdb: .*cannot connect", Servers.StartTimeout);
            (int code, string output) = Uclient(port);
            Assert.True(code == 0, output);

            var redis = new PrivateRedis(redisPort, $"pw{redisPort}");
            try
            {
                server.WaitForLine(@"redis-statsdb: Redis ip=127\.0\.0\.1 port=\d+ dbname=0 is available", TimeSpan.FromSeconds(30));
                using (RunningProcess watch = redis.Watch("turn/realm/*"))
                {
                    (code, output) = Uclient(port);
                    Assert.True(code == 0, output);
                    Assert.NotEmpty(WaitForDeletions(watch, 2));
                }

                // It goes away while the server runs: relaying goes on, events are dropped with a warning.
                redis.Dispose();
                (code, output) = Uclient(port);
                Assert.True(code == 0, output);
                server.WaitForLine(@"redis-statsdb: .*allocation status event\(s\) dropped", TimeSpan.FromSeconds(20));

                // Back on the same port: the connection comes back by itself and events flow again.
                redis = new PrivateRedis(redisPort, $"pw{redisPort}");
                using RunningProcess again = redis.Watch("turn/realm/*");
                var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                while (PrivateRedis.Messages(again.Output).Count == 0)
                {
                    Assert.True(DateTime.UtcNow < until, "no status events after Redis came back:\n" + server.Output);
                    (code, output) = Uclient(port);
                    Assert.True(code == 0, output);
                }
            }
            finally
            {
                redis.Dispose();
            }
        }
    }

    /// <summary>Reads published messages until <paramref name="deletions"/> allocations were reported deleted with their totals.</summary>
    private static List<(string Channel, string Message)> WaitForDeletions(RunningProcess watch, int deletions)
    {
        watch.WaitForLine(@"/total_traffic/peer$", Timeout);
        var until = DateTime.UtcNow + Timeout;
        while (true)
        {
            List<(string Channel, string Message)> messages = PrivateRedis.Messages(watch.Output);
            int done = messages.Count(m => m.Channel.EndsWith("/total_traffic/peer", StringComparison.Ordinal));
            if (done >= deletions)
            {
                return messages;
            }

            Assert.True(DateTime.UtcNow < until, "not all deletions were published:\n" + watch.Output);
            watch.WaitForLine(@"^pmessage$", TimeSpan.FromSeconds(1));
        }
    }

    private static string Shape((string Channel, string Message) m) =>
        Regex.Replace(m.Channel, @"/\d{18}/", "/ID/") + " " + Regex.Replace(Regex.Replace(m.Message, @"127\.0\.0\.1:\d+", "A"), @"=\d+", "=N");

    private static string Id(string channel) => Regex.Match(channel, @"/allocation/(\d{18})/").Groups[1].Value;

    private static string Suffix(string channel) => channel[(channel.IndexOf("/allocation/", StringComparison.Ordinal) + "/allocation/".Length + 19)..];

    private (int Code, string Output) Uclient(int port) =>
        RunningProcess.Run(
            RepoPaths.Coturn("turnutils_uclient"),
            ["-p", port.ToString(), "-e", "127.0.0.1", "-r", _peer.Port.ToString(), "-n", "10", "-m", "1", "-l", "100", "-u", "bob", "-w", "secret", "127.0.0.1"],
            Timeout);

    /// <summary>A redis-server of Debian's on loopback with a password, data in a temporary directory, stopped at the end.</summary>
    private sealed class PrivateRedis : IDisposable
    {
        private readonly RunningProcess _server;
        private readonly int _port;
        private readonly string _password;

        public PrivateRedis(int? port = null, string? password = null)
        {
            _port = port ?? Servers.FreePort();
            _password = password ?? Guid.NewGuid().ToString("N");
            _server = RunningProcess.Start("/usr/bin/redis-server", ["--port", _port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", _password, "--dir", Servers.TempDir()]);
            _server.WaitForLine("Ready to accept connections", TimeSpan.FromSeconds(20));
        }

        /// <summary>coturn's connection string for it.</summary>
        public string Conn => $"ip=127.0.0.1 port={_port} dbname=0 password={_password} connect_timeout=5";

        public string Cli(params string[] args)
        {
            (int code, string output) = RunningProcess.Run("/usr/bin/redis-cli", ["-p", _port.ToString(), "-a", _password, "--no-auth-warning", "--raw", .. args], Timeout);
            Assert.True(code == 0, output);
            return output;
        }

        /// <summary>redis-cli PSUBSCRIBEd to <paramref name="pattern"/>; ready when the subscription is confirmed.</summary>
        public RunningProcess Watch(string pattern)
        {
            RunningProcess p = RunningProcess.Start("/usr/bin/redis-cli", ["-p", _port.ToString(), "-a", _password, "--no-auth-warning", "--raw", "psubscribe", pattern]);
            p.WaitForLine("^psubscribe$", TimeSpan.FromSeconds(20));
            p.WaitForLine(@"^1$", TimeSpan.FromSeconds(20));
            return p;
        }

        /// <summary>The (channel, message) pairs in redis-cli's raw PSUBSCRIBE output: "pmessage", pattern, channel, message.</summary>
        public static List<(string Channel, string Message)> Messages(string output)
        {
            string[] lines = output.Split('\n');
            var result = new List<(string, string)>();
            for (int i = 0; i + 3 < lines.Length; i++)
            {
                if (lines[i] == "pmessage")
                {
                    result.Add((lines[i + 2], lines[i + 3]));
                    i += 3;
                }
            }

            return result;
        }

        public void Dispose() => _server.Dispose();
    }
}
