namespace Turn.Interop.Tests;

/// <summary>coturn's own turnutils_uclient (Debian coturn 4.6.1) relaying through our bin/turnserver.</summary>
public sealed class TurnInteropTests : IClassFixture<TurnInteropTests.PeerFixture>
{
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(90);
    private readonly PeerFixture _peer;

    public TurnInteropTests(PeerFixture peer) => _peer = peer;

    public static TheoryData<string> Modes() =>
    [
        "",          // channels
        "-s",        // Send/Data indications
        "-y",        // client to client
        "-c",        // one allocation per client
        "-g",        // DONT-FRAGMENT
        "-X",        // IPv4 relay asked for explicitly
        "-y -s",
        "-t",        // TURN over TCP (framing by length, padded ChannelData)
        "-t -y",
        "-t -s",
    ];

    [Theory]
    [MemberData(nameof(Modes))]
    public void CoturnUclientLongTermCredentialsNoLoss(string mode)
    {
        (RunningProcess server, int port) = StartServer("-a", "-u", "bob:secret", "-r", "example.org");
        using (server)
        {
            string output = RunUclient(port, ["-u", "bob", "-w", "secret", "-e", "127.0.0.1", "-n", "50", "-m", "5", "-l", "300", "-z", "5", .. Split(mode)]);
            AssertNoLoss(output);
        }
    }

    [Fact]
    public void CoturnUclientDualAllocationNoLoss()
    {
        // -Z asks for IPv4 + IPv6 relays with coturn's legacy attribute numbers and talks to both peers.
        (RunningProcess server, int port) = StartServer("-a", "-u", "bob:secret", "-r", "example.org", "--listening-ip=::1");
        using (server)
        {
            AssertNoLoss(RunUclient(port, ["-u", "bob", "-w", "secret", "-Z", "-e", "127.0.0.1", "-n", "50", "-m", "5", "-l", "300", "-z", "5"]));
        }
    }

    [Fact]
    public void CoturnUclientIPv6RelayToAnIPv6PeerNoLoss()
    {
        (RunningProcess server, int port) = StartServer("-a", "-u", "bob:secret", "-r", "example.org", "--listening-ip=::1");
        using (server)
        {
            AssertNoLoss(RunUclient(port, ["-u", "bob", "-w", "secret", "-x", "-e", "::1", "-n", "50", "-m", "5", "-l", "300", "-z", "5"]));
        }
    }

    [Fact]
    public void CoturnUclientExtraRequestsGetTheFamilyMismatchesCoturnGives()
    {
        (RunningProcess server, int port) = StartServer("-a", "-u", "bob:secret", "-r", "example.org");
        using (server)
        {
            string output = RunUclient(port, ["-u", "bob", "-w", "secret", "-e", "127.0.0.1", "-G", "-n", "50", "-m", "5", "-l", "300", "-z", "5"]);
            AssertNoLoss(output);
            Assert.Contains("error 443", output);
        }
    }

    [Fact]
    public void CoturnUclientRestApiNoLoss()
    {
        (RunningProcess server, int port) = StartServer("--use-auth-secret", "--static-auth-secret=north", "--static-auth-secret=logen", "-r", "example.org");
        using (server)
        {
            AssertNoLoss(RunUclient(port, ["-u", "carol", "-W", "logen", "-e", "127.0.0.1", "-n", "50", "-m", "5", "-l", "300", "-z", "5"]));
        }
    }

    [Fact]
    public void ClosingTheTcpConnectionEndsItsAllocation()
    {
        // Each uclient run over TCP makes two allocations and closes its connections at the end.
        // With four relay ports, later runs can only allocate if earlier allocations ended with
        // their connections (they would otherwise live for 777 s).
        (RunningProcess server, int port) = Servers.StartOurs("--allow-loopback-peers", "--min-port=64000", "--max-port=64003", "-a", "-u", "bob:secret", "-r", "example.org");
        using (server)
        {
            for (int i = 0; i < 4; i++)
            {
                AssertNoLoss(RunUclient(port, ["-u", "bob", "-w", "secret", "-t", "-c", "-e", "127.0.0.1", "-n", "10", "-m", "1", "-z", "5"]));
            }
        }
    }

    [Fact]
    public void CoturnUclientFiftyClientsThousandMessages1200BytesNoLoss()
    {
        (RunningProcess server, int port) = StartServer("-a", "-u", "bob:secret", "-r", "example.org");
        using (server)
        {
            AssertNoLoss(RunUclient(port, ["-u", "bob", "-w", "secret", "-e", "127.0.0.1", "-m", "50", "-n", "1000", "-l", "1200", "-z", "10"]));
        }
    }

    [Theory]
    [InlineData("-w", "wrong")]
    [InlineData("-W", "not-the-secret")]
    public void WrongCredentialsCannotAllocate(string flag, string value)
    {
        (RunningProcess server, int port) = flag == "-W"
            ? StartServer("--use-auth-secret", "--static-auth-secret=logen", "-r", "example.org")
            : StartServer("-a", "-u", "bob:secret", "-r", "example.org");
        using (server)
        {
            (int code, string output) = RunningProcess.Run(
                RepoPaths.Coturn("turnutils_uclient"),
                ["-p", port.ToString(), "-u", "bob", flag, value, "-e", "127.0.0.1", "-r", _peer.Port.ToString(), "-n", "5", "127.0.0.1"],
                ClientTimeout);
            Assert.NotEqual(0, code);
            Assert.Contains("Cannot complete Allocation", output);
        }
    }

    [Fact]
    public void NegativeTestsBehaveAsAgainstCoturn()
    {
        // uclient -N binds one peer to two channels and expects the server to refuse the second.
        (RunningProcess server, int port) = StartServer("-a", "-u", "bob:secret", "-r", "example.org");
        using (server)
        {
            (_, string output) = RunningProcess.Run(
                RepoPaths.Coturn("turnutils_uclient"),
                ["-p", port.ToString(), "-u", "bob", "-w", "secret", "-e", "127.0.0.1", "-r", _peer.Port.ToString(), "-N", "-n", "10", "-m", "2", "127.0.0.1"],
                ClientTimeout);
            Assert.Contains("channel bind: error 400", output);
            Servers.WaitForBinding(port, TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public void CorruptedRequestsFromNegativeProtocolTestsLeaveTheServerServing()
    {
        // uclient -R corrupts its own requests at random; coturn's client then often waits for
        // ever (against coturn too). What matters here: the server drops them and keeps serving.
        (RunningProcess server, int port) = StartServer("-a", "-u", "bob:secret", "-r", "example.org");
        using (server)
        {
            using (RunningProcess client = RunningProcess.Start(
                RepoPaths.Coturn("turnutils_uclient"),
                ["-p", port.ToString(), "-u", "bob", "-w", "secret", "-e", "127.0.0.1", "-r", _peer.Port.ToString(), "-R", "-n", "20", "-m", "5", "127.0.0.1"]))
            {
                try
                {
                    client.WaitForExit(TimeSpan.FromSeconds(15));
                }
                catch (TimeoutException)
                {
                    // expected often; the client is killed
                }
            }

            Assert.False(server.HasExited);
            AssertNoLoss(RunUclient(port, ["-u", "bob", "-w", "secret", "-e", "127.0.0.1", "-n", "20", "-m", "2", "-z", "5"]));
        }
    }

    [Fact]
    public void ProcUserAndGroupGiveUpRootInEveryThreadAndTheServerStillRelays()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            // Not root: the switch to another user cannot happen, and that must stop the server rather than run on.
            string dir = Servers.TempDir();
            (int code, string output) = RunningProcess.Run(
                RepoPaths.Bin("turnserver"),
                ["-n", "--listening-ip=127.0.0.1", "--listening-port=0", "--log-file=stdout", $"--pidfile={dir}/p.pid", "-a", "-u", "bob:secret", "--proc-user=nobody", "--proc-group=nogroup"],
                ClientTimeout);
            Assert.NotEqual(0, code);
            Assert.Contains("cannot switch", output);
            return;
        }

        (RunningProcess server, int port) = StartServer("-a", "-u", "bob:secret", "-r", "example.org", "--proc-user=nobody", "--proc-group=nogroup");
        using (server)
        {
            Assert.Contains("privileges dropped", server.Output);
            string[] tasks = Directory.GetDirectories($"/proc/{server.Id}/task");
            Assert.NotEmpty(tasks);
            foreach (string task in tasks)
            {
                string status = File.ReadAllText(Path.Combine(task, "status"));
                Assert.Matches(@"(?m)^Uid:\s+65534\s+65534\s+65534\s+65534$", status);
                Assert.Matches(@"(?m)^Gid:\s+65534\s+65534\s+65534\s+65534$", status);
                Assert.Matches(@"(?m)^Groups:\s*$", status);
            }

            AssertNoLoss(RunUclient(port, ["-u", "bob", "-w", "secret", "-e", "127.0.0.1", "-n", "20", "-m", "2", "-z", "5"]));
        }
    }

    private (RunningProcess, int) StartServer(params string[] args) =>
        Servers.StartOurs(["--allow-loopback-peers", "--min-port=62000", "--max-port=62999", .. args]);

    private string RunUclient(int port, string[] args)
    {
        (int code, string output) = RunningProcess.Run(
            RepoPaths.Coturn("turnutils_uclient"),
            ["-p", port.ToString(), "-r", _peer.Port.ToString(), .. args, "127.0.0.1"],
            ClientTimeout);
        Assert.True(code == 0, $"uclient exited {code}:\n{output}");
        return output;
    }

    private static void AssertNoLoss(string output)
    {
        Assert.Matches(@"Total lost packets 0 \(0\.0+%\)", output);
        Assert.DoesNotContain("Cannot complete", output);
    }

    private static string[] Split(string mode) => mode.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>coturn's turnutils_peer (UDP echo) on 127.0.0.1 and ::1, shared by the tests of this class.</summary>
    public sealed class PeerFixture : IDisposable
    {
        private readonly RunningProcess _process;

        public PeerFixture()
        {
            Port = Servers.FreePort();
            _process = RunningProcess.Start(RepoPaths.Coturn("turnutils_peer"), ["-p", Port.ToString(), "-L", "127.0.0.1", "-L", "::1"]);
            WaitForEcho();
        }

        public int Port { get; }

        public void Dispose() => _process.Dispose();

        private void WaitForEcho()
        {
            using var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
            s.ReceiveTimeout = 100;
            byte[] buffer = new byte[16];
            for (int i = 0; i < 100; i++)
            {
                s.SendTo("ping"u8.ToArray(), new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, Port));
                try
                {
                    if (s.Receive(buffer) > 0)
                    {
                        return;
                    }
                }
                catch (System.Net.Sockets.SocketException)
                {
                }
            }

            throw new TimeoutException("turnutils_peer did not echo");
        }
    }
}
