using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Turn.Interop.Tests;

/// <summary>
/// RFC 6062 TCP relays on our bin/turnserver, driven by coturn's turnutils_uclient -T (which implies
/// client-to-client: pairs of clients Connect to each other's relayed addresses, so every pair has a
/// server-initiated connection and a peer-initiated one, both bound with ConnectionBind on new data
/// connections). Two relay workers, so data connections also move between workers. Relay ports 21000-21499.
/// </summary>
public sealed class TcpRelayInteropTests
{
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public void CoturnUclientTcpRelayNoLoss()
    {
        (RunningProcess server, int port) = StartServer();
        using (server)
        {
            AssertNoLoss(RunUclient(port, ["-t", "-T", "-u", "bob", "-w", "secret", "-n", "200", "-m", "5", "-l", "500"]));
        }
    }

    [Fact]
    public void CoturnUclientTcpRelayOverTlsNoLoss()
    {
        using var certs = new Certificates();
        int tlsPort = Servers.FreePort();
        (RunningProcess server, _) = StartServer("--no-tls=0", $"--tls-listening-port={tlsPort}", $"--cert={certs.CertFile}", $"--pkey={certs.KeyFile}");
        using (server)
        {
            server.WaitForLine($@"listening on TLS 127\.0\.0\.1:{tlsPort}", Servers.StartTimeout);
            AssertNoLoss(RunUclient(tlsPort, ["-t", "-S", "-T", "-u", "bob", "-w", "secret", "-n", "200", "-m", "5", "-l", "500"]));
        }
    }

    /// <summary>
    /// -P: one client of each pair is a plain TCP peer that connects to the other's relayed address
    /// (RFC 6062 §5.3). coturn 4.6.1's uclient cannot count what reaches that peer (it parses the raw
    /// bytes as STUN and never consumes them), so half of the messages are "lost" whatever the server
    /// does (coturn's own server too). What can be checked: every message the peer sent reached the
    /// client through the server, and the client's own messages were all sent.
    /// </summary>
    [Fact]
    public void CoturnUclientPassiveTcpRelayDeliversEveryPeerMessage()
    {
        (RunningProcess server, int port) = StartServer();
        using (server)
        {
            string output = RunUclient(port, ["-t", "-T", "-P", "-u", "bob", "-w", "secret", "-n", "100", "-m", "4", "-l", "500"]);
            Match totals = Regex.Match(output, @"start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)"); // the final count
            Assert.True(totals.Success, output);
            int sent = int.Parse(totals.Groups[1].Value);
            int received = int.Parse(totals.Groups[2].Value);
            Assert.Equal(400, sent);
            Assert.Equal(sent / 2, received);
            Assert.DoesNotContain("connections are not completed", output);
        }
    }

    [Fact]
    public void NoTcpRelayRefusesTcpAllocationsWith442()
    {
        (RunningProcess server, int port) = StartServer("--no-tcp-relay");
        using (server)
        {
            (int code, string output) = RunningProcess.Run(
                RepoPaths.Coturn("turnutils_uclient"),
                ["-p", port.ToString(), "-t", "-T", "-u", "bob", "-w", "secret", "-n", "5", "-m", "2", "127.0.0.1"],
                ClientTimeout);
            Assert.NotEqual(0, code);
            Assert.Contains("error 442", output);
        }
    }

    private static (RunningProcess Process, int Port) StartServer(params string[] extra) =>
        Servers.StartOurs(
        [
            "-a", "-u", "bob:secret", "-r", "example.org", "--allow-loopback-peers", "--relay-threads=2",
            "--min-port=21000", "--max-port=21499", .. extra,
        ]);

    private static string RunUclient(int port, string[] args)
    {
        (int code, string output) = RunningProcess.Run(RepoPaths.Coturn("turnutils_uclient"), ["-p", port.ToString(), .. args, "127.0.0.1"], ClientTimeout);
        Assert.True(code == 0, $"uclient exited {code}:\n{output}");
        return output;
    }

    private static void AssertNoLoss(string output)
    {
        Assert.Matches(@"Total lost packets 0 \(0\.0+%\)", output);
        Assert.DoesNotContain("connections are not completed", output);
        Assert.DoesNotContain("Cannot complete", output);
    }

    /// <summary>A self-signed server certificate in a temporary directory (made per test, deleted after).</summary>
    private sealed class Certificates : IDisposable
    {
        private readonly string _directory = Servers.TempDir();

        public Certificates()
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=turn-tcp-relay", key, HashAlgorithmName.SHA256);
            DateTimeOffset now = DateTimeOffset.UtcNow;
            using X509Certificate2 cert = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
            CertFile = Path.Combine(_directory, "cert.pem");
            KeyFile = Path.Combine(_directory, "key.pem");
            File.WriteAllText(CertFile, cert.ExportCertificatePem());
            File.WriteAllText(KeyFile, key.ExportPkcs8PrivateKeyPem());
        }

        public string CertFile { get; }

        public string KeyFile { get; }

        public void Dispose() => Directory.Delete(_directory, recursive: true);
    }
}
