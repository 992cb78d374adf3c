namespace Turn.Interop.Tests;

/// <summary>
/// ORIGIN → realm with a database written by coturn's turnadmin (-O origin → realm, users per realm, a realm
/// option): our server and coturn's answer the same ORIGINs with the same realms, and coturn's own client,
/// naming its origin (turnutils_uclient -o), relays through us in the mapped realm.
/// </summary>
public sealed class OriginRealmInteropTests : IClassFixture<TurnInteropTests.PeerFixture>
{
    private const string DefaultRealm = "default.org";
    private const string Realm2 = "realm2";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TurnInteropTests.PeerFixture _peer;

    public OriginRealmInteropTests(TurnInteropTests.PeerFixture peer) => _peer = peer;

    [Fact]
    public void AnOriginMappedByCoturnsTurnadminSelectsTheSameRealmAtOurServerAndAtCoturn()
    {
        string db = Database();
        (RunningProcess ours, int ourPort) = Servers.StartOurs($"--userdb={db}", "-a", "-r", DefaultRealm, "--allow-loopback-peers", "--min-port=24000", "--max-port=24099");
        using (ours)
        {
            ours.WaitForLine("ORIGIN realms: 1 origin", Servers.StartTimeout);
            var answers = Probe(ourPort);
            (RunningProcess coturn, int coturnPort) = Servers.StartCoturn($"--userdb={db}", "-a", "-r", DefaultRealm, "--allow-loopback-peers", "--min-port=24100", "--max-port=24199");
            using (coturn)
            {
                Assert.Equal(Probe(coturnPort), answers);
            }

            Assert.Equal(
                [
                    (401, Realm2), (0, string.Empty), // mapped origin (as turnadmin stored it, or as a browser sends it)
                    (401, DefaultRealm),              // no ORIGIN
                    (401, DefaultRealm),              // an unknown one
                    (401, Realm2),                    // first unknown, then mapped (coturn's uclient sends three)
                    (437, string.Empty),              // challenged in realm2, signed for the default realm
                ],
                answers);
        }
    }

    [Fact]
    public void CoturnsClientNamingItsOriginRelaysThroughUsInTheMappedRealm()
    {
        string db = Database();
        (RunningProcess ours, int port) = Servers.StartOurs($"--userdb={db}", "-a", "-r", DefaultRealm, "--allow-loopback-peers", "--min-port=24200", "--max-port=24299");
        using (ours)
        {
            ours.WaitForLine("ORIGIN realms: 1 origin", Servers.StartTimeout);

            // alice exists only in realm2: with the origin she relays, without it she is refused.
            (int code, string output) = Uclient(port, "-o", "https://example.com", "-u", "alice", "-w", "pass2");
            Assert.True(code == 0, output);
            Assert.Matches(@"Total lost packets 0 \(0\.0+%\)", output);
            (code, output) = Uclient(port, "-u", "alice", "-w", "pass2");
            Assert.NotEqual(0, code);

            // bob lives in the default realm: the origin would take him to realm2, where he is unknown.
            (code, output) = Uclient(port, "-u", "bob", "-w", "pass1");
            Assert.True(code == 0, output);
            (code, _) = Uclient(port, "-o", "https://example.com", "-u", "bob", "-w", "pass1");
            Assert.NotEqual(0, code);

            // Our client (Turn.Client with ORIGIN attributes) is served the same way.
            (code, output) = OurUclient(port, "-o", "https://example.com", "-u", "alice", "-w", "pass2");
            Assert.True(code == 0, output);
            Assert.Matches(@"Total lost packets 0 \(0\.0+%\)", output);
            (code, _) = OurUclient(port, "-u", "alice", "-w", "pass2");
            Assert.NotEqual(0, code);
        }
    }

    [Fact]
    public void TheMappedRealmsUserQuotaIsEnforcedForItsUsersOnly()
    {
        string db = Database();
        Admin("-g", "--user-quota", "1", "-r", Realm2, "-b", db);
        (RunningProcess ours, int port) = Servers.StartOurs($"--userdb={db}", "-a", "-r", DefaultRealm, "--allow-loopback-peers", "--min-port=24300", "--max-port=24399");
        using (ours)
        {
            ours.WaitForLine(@"realm2: max-bps 0, user-quota 1", Servers.StartTimeout);
            using var first = new RawTurnAllocate(port);
            (_, string realm, string nonce) = first.Send(["https://example.com"]);
            Assert.Equal(0, first.Send(["https://example.com"], "alice", "pass2", realm, nonce).Code);

            using var second = new RawTurnAllocate(port);
            (_, realm, nonce) = second.Send(["https://example.com"]);
            Assert.Equal(486, second.Send(["https://example.com"], "alice", "pass2", realm, nonce).Code);

            // coturn's uclient makes two allocations per client: fine for bob in the default realm, which has no quota.
            (int code, string output) = Uclient(port, "-u", "bob", "-w", "pass1");
            Assert.True(code == 0, output);
        }
    }

    /// <summary>A SQLite database made by coturn's turnadmin: https://example.com → realm2, alice in realm2, bob in the default realm.</summary>
    private static string Database()
    {
        string db = Path.Combine(Servers.TempDir(), "turndb");
        Admin("-O", "-o", "https://example.com", "-r", Realm2, "-b", db);
        Admin("-a", "-u", "alice", "-p", "pass2", "-r", Realm2, "-b", db);
        Admin("-a", "-u", "bob", "-p", "pass1", "-r", DefaultRealm, "-b", db);
        return db;
    }

    /// <summary>The answers to the same hand-built exchanges; each line is (error code, REALM of the answer).</summary>
    private static List<(int Code, string Realm)> Probe(int port)
    {
        var answers = new List<(int, string)>();
        using (var c = new RawTurnAllocate(port))
        {
            (int code, string realm, string nonce) = c.Send(["https://EXAMPLE.com:443/some/page"]);
            answers.Add((code, realm));
            (code, realm, _) = c.Send(["https://example.com"], "alice", "pass2", realm, nonce);
            answers.Add((code, realm));
        }

        using (var c = new RawTurnAllocate(port))
        {
            (int code, string realm, _) = c.Send([]);
            answers.Add((code, realm));
        }

        using (var c = new RawTurnAllocate(port))
        {
            (int code, string realm, _) = c.Send(["https://unknown.org"]);
            answers.Add((code, realm));
        }

        using (var c = new RawTurnAllocate(port))
        {
            (int code, string realm, _) = c.Send(["https://carleon.gov:443", "https://example.com", "ftp://uffrith.net"]);
            answers.Add((code, realm));
        }

        using (var c = new RawTurnAllocate(port))
        {
            (_, _, string nonce) = c.Send(["https://example.com"]);
            (int code, string realm, _) = c.Send(["https://example.com"], "bob", "pass1", DefaultRealm, nonce);
            answers.Add((code, realm));
        }

        return answers;
    }

    private static void Admin(params string[] args)
    {
        (int code, string output) = RunningProcess.Run(RepoPaths.Coturn("turnadmin"), args, Timeout);
        Assert.True(code == 0, $"turnadmin exited {code}:\n{output}");
    }

    private (int Code, string Output) Uclient(int port, params string[] args) => Run(RepoPaths.Coturn("turnutils_uclient"), port, args);

    private (int Code, string Output) OurUclient(int port, params string[] args) => Run(RepoPaths.Bin("turnutils_uclient"), port, args);

    private (int Code, string Output) Run(string tool, int port, string[] args) =>
        RunningProcess.Run(
            tool,
            ["-p", port.ToString(), "-e", "127.0.0.1", "-r", _peer.Port.ToString(), "-n", "10", "-m", "1", "-z", "5", .. args, "127.0.0.1"],
            Timeout);
}
