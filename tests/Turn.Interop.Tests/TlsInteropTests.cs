using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Turn.Interop.Tests;

/// <summary>
/// TURN over TLS (RFC 8656 §3.1, RFC 7443 ALPN) on our bin/turnserver, checked with coturn's
/// turnutils_uclient (-S) and openssl s_client. Certificates are made per test in a temporary
/// directory; no key is ever committed.
/// </summary>
public sealed class TlsInteropTests : IClassFixture<TurnInteropTests.PeerFixture>
{
    private const int SIGUSR2 = 12;
    private static readonly TimeSpan ClientTimeout = SecureClientRuns.ClientTimeout;
    private readonly TurnInteropTests.PeerFixture _peer;

    public TlsInteropTests(TurnInteropTests.PeerFixture peer) => _peer = peer;

    public static TheoryData<string> Modes() =>
    [
        "",      // channels
        "-s",    // Send/Data indications
        "-y",    // client to client
        "-c",    // one allocation per client
    ];

    [Theory]
    [MemberData(nameof(Modes))]
    public void CoturnUclientOverTlsLongTermCredentialsNoLoss(string mode)
    {
        using TlsServer server = TlsServer.Start(Certificates.Create("turn-tls-a"));
        string output = RunUclient(server.TlsPort, ["-t", "-S", "-u", "bob", "-w", "secret", "-e", "127.0.0.1", "-n", "50", "-m", "5", "-l", "300", "-z", "5", .. Split(mode)]);
        AssertNoLoss(output);
    }

    [Fact]
    public void CoturnUclientOverTlsFiftyClients1200BytesNoLoss()
    {
        using TlsServer server = TlsServer.Start(Certificates.Create("turn-tls-a"));
        AssertNoLoss(RunUclient(server.TlsPort, ["-t", "-S", "-u", "bob", "-w", "secret", "-e", "127.0.0.1", "-m", "50", "-n", "200", "-l", "1200", "-z", "10"]));
    }

    [Fact]
    public void TlsOnThePlainPortIsDetected()
    {
        using TlsServer server = TlsServer.Start(Certificates.Create("turn-tls-a"));
        AssertNoLoss(RunUclient(server.Port, ["-t", "-S", "-u", "bob", "-w", "secret", "-e", "127.0.0.1", "-n", "50", "-m", "5", "-l", "300", "-z", "5"]));
    }

    [Fact]
    public void PlainTcpOnTheTlsPortIsDetected()
    {
        using TlsServer server = TlsServer.Start(Certificates.Create("turn-tls-a"));
        AssertNoLoss(RunUclient(server.TlsPort, ["-t", "-u", "bob", "-w", "secret", "-e", "127.0.0.1", "-n", "50", "-m", "5", "-l", "300", "-z", "5"]));
    }

    [Fact]
    public void OpenSslClientGetsTls13AndStunTurnAlpn()
    {
        using TlsServer server = TlsServer.Start(Certificates.Create("turn-tls-a"));
        string output = SClient(server.TlsPort, "-alpn stun.turn -tls1_3");
        Assert.Contains("New, TLSv1.3", output);
        Assert.Contains("ALPN protocol: stun.turn", output);
        Assert.Contains("turn-tls-a", output);

        Assert.Contains("ALPN protocol: stun.nat-discovery", SClient(server.TlsPort, "-alpn stun.nat-discovery -tls1_2"));
    }

    [Fact]
    public void ClientAlpnWithoutStunNamesGoesOnWithoutAlpnAsCoturnDoes()
    {
        using TlsServer server = TlsServer.Start(Certificates.Create("turn-tls-a"));
        string output = SClient(server.TlsPort, "-alpn h2,http/1.1");
        Assert.Contains("No ALPN negotiated", output);
        Assert.Matches(@"New, TLSv1\.[23]", output);
    }

    [Fact]
    public void NoTlsv1_2LeavesTls13Only()
    {
        using TlsServer server = TlsServer.Start(Certificates.Create("turn-tls-a"), "--no-tlsv1_2");
        Assert.Contains("New, TLSv1.3", SClient(server.TlsPort, "-tls1_3"));
        Assert.DoesNotContain("New, TLSv1.2", SClient(server.TlsPort, "-tls1_2"));
    }

    [Fact]
    public void CipherListWithOpenSslNamesRestrictsTls12Suites()
    {
        using TlsServer server = TlsServer.Start(Certificates.Create("turn-tls-a"), "--cipher-list=ECDHE-ECDSA-AES128-GCM-SHA256");
        Assert.Contains("Cipher is ECDHE-ECDSA-AES128-GCM-SHA256", SClient(server.TlsPort, "-tls1_2"));
        Assert.DoesNotContain("Cipher is ECDHE-ECDSA-AES256-GCM-SHA384", SClient(server.TlsPort, "-tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384"));
        Assert.Contains("New, TLSv1.3", SClient(server.TlsPort, "-tls1_3")); // TLS 1.3 suites untouched, as with OpenSSL
    }

    [Fact]
    public void EncryptedKeyWithPkeyPwd()
    {
        Certificates certs = Certificates.Create("turn-tls-enc", password: "hunter2");
        using TlsServer server = TlsServer.Start(certs, "--pkey-pwd=hunter2");
        Assert.Contains("turn-tls-enc", SClient(server.TlsPort, "-tls1_3"));
    }

    [Fact]
    public void CombinedCertificateAndKeyFile()
    {
        Certificates certs = Certificates.Create("turn-tls-combined");
        string combined = Path.Combine(certs.Directory, "combined.pem");
        File.WriteAllText(combined, File.ReadAllText(certs.CertFile) + "\n" + File.ReadAllText(certs.KeyFile));
        using TlsServer server = TlsServer.Start(certs with { CertFile = combined, KeyFile = combined });
        Assert.Contains("turn-tls-combined", SClient(server.TlsPort, "-tls1_3"));
    }

    [Fact]
    public void CaFileRequiresAClientCertificateSignedByIt()
    {
        Certificates certs = Certificates.Create("turn-tls-a", withClientCa: true);
        using TlsServer server = TlsServer.Start(certs, $"--CA-file={certs.CaFile}", "-V");
        AssertNoLoss(RunUclient(server.TlsPort, ["-t", "-S", "-i", certs.ClientCertFile!, "-k", certs.ClientKeyFile!, "-u", "bob", "-w", "secret", "-e", "127.0.0.1", "-n", "20", "-m", "2", "-z", "5"]));

        (_, string without) = RunningProcess.Run(
            RepoPaths.Coturn("turnutils_uclient"),
            ["-p", server.TlsPort.ToString(), "-r", _peer.Port.ToString(), "-t", "-S", "-u", "bob", "-w", "secret", "-e", "127.0.0.1", "-n", "5", "-m", "1", "127.0.0.1"],
            ClientTimeout);
        Assert.DoesNotMatch(@"Total lost packets 0 \(", without);
        server.Process.WaitForLine("TLS handshake with .* failed", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void MissingCertFileIsAnErrorNamingTheFile()
    {
        string dir = Servers.TempDir();
        string missing = Path.Combine(dir, "no-such-cert.pem");
        (int code, string output) = RunningProcess.Run(
            RepoPaths.Bin("turnserver"),
            ["-n", "--listening-ip=127.0.0.1", "--listening-port=0", "--no-cli", "--log-file=stdout", $"--pidfile={Path.Combine(dir, "pid")}", $"--cert={missing}", $"--pkey={missing}"],
            TimeSpan.FromSeconds(20),
            dir);
        Assert.NotEqual(0, code);
        Assert.Contains(missing, output);
    }

    [Fact]
    public void KeyNotMatchingTheCertificateIsAnErrorNamingTheFile()
    {
        Certificates a = Certificates.Create("turn-tls-a");
        Certificates b = Certificates.Create("turn-tls-b");
        string dir = Servers.TempDir();
        (int code, string output) = RunningProcess.Run(
            RepoPaths.Bin("turnserver"),
            ["-n", "--listening-ip=127.0.0.1", "--listening-port=0", "--no-cli", "--log-file=stdout", $"--pidfile={Path.Combine(dir, "pid")}", $"--cert={a.CertFile}", $"--pkey={b.KeyFile}"],
            TimeSpan.FromSeconds(20),
            dir);
        Assert.NotEqual(0, code);
        Assert.Contains(b.KeyFile, output);
    }

    [Fact]
    public void Sigusr2ReloadsTheCertificateWithoutDroppingSessions()
    {
        Certificates a = Certificates.Create("turn-tls-a");
        using TlsServer server = TlsServer.Start(a, "-V");

        // A TLS session that relays for about six seconds, across the reload.
        using RunningProcess client = RunningProcess.Start(
            RepoPaths.Coturn("turnutils_uclient"),
            ["-p", server.TlsPort.ToString(), "-r", _peer.Port.ToString(), "-t", "-S", "-u", "bob", "-w", "secret", "-e", "127.0.0.1", "-n", "300", "-m", "2", "-l", "200", "-z", "20", "127.0.0.1"]);
        server.Process.WaitForLine("TLS connection from", TimeSpan.FromSeconds(20));

        // Replace the files (as certbot does) and signal.
        Certificates b = Certificates.Create("turn-tls-b");
        File.Copy(b.CertFile, a.CertFile, overwrite: true);
        File.Copy(b.KeyFile, a.KeyFile, overwrite: true);
        server.Process.Signal(SIGUSR2);
        server.Process.WaitForLine("SIGUSR2: TLS certificate reloaded", TimeSpan.FromSeconds(10));
        Assert.Contains("turn-tls-b", SClient(server.TlsPort, "-tls1_3"));

        // A broken file is refused; the server keeps the certificate it has.
        File.WriteAllText(a.CertFile, "not a certificate\n");
        server.Process.Signal(SIGUSR2);
        server.Process.WaitForLine("SIGUSR2: TLS certificate not reloaded.*" + System.Text.RegularExpressions.Regex.Escape(a.CertFile), TimeSpan.FromSeconds(10));
        Assert.Contains("turn-tls-b", SClient(server.TlsPort, "-tls1_3"));

        Assert.True(client.WaitForExit(ClientTimeout) == 0, client.Output);
        AssertNoLoss(client.Output);
    }

    private string RunUclient(int port, string[] args) => SecureClientRuns.Uclient(port, _peer.Port, args);

    private static string SClient(int port, string options) => SecureClientRuns.SClient(port, options);

    private static void AssertNoLoss(string output) => SecureClientRuns.AssertNoLoss(output);

    private static string[] Split(string mode) => SecureClientRuns.Split(mode);

    /// <summary>
    /// Our server with TLS on a free port, long-term credentials bob:secret. Relay ports above the
    /// kernel's ephemeral range (32768-60999): a reserved RTCP port (RESERVATION-TOKEN) taken by some
    /// client socket of a parallel test would otherwise make an allocation fail with 508.
    /// </summary>
    private sealed class TlsServer : IDisposable
    {
        private TlsServer(RunningProcess process, int port, int tlsPort)
        {
            Process = process;
            Port = port;
            TlsPort = tlsPort;
        }

        public RunningProcess Process { get; }

        public int Port { get; }

        public int TlsPort { get; }

        public static TlsServer Start(Certificates certs, params string[] extra)
        {
            int tlsPort = Servers.FreePort();
            (RunningProcess p, int port) = Servers.StartOurs(
            [
                "--no-tls=0", $"--tls-listening-port={tlsPort}", $"--cert={certs.CertFile}", $"--pkey={certs.KeyFile}",
                "--allow-loopback-peers", "--min-port=61000", "--max-port=61999", "-a", "-u", "bob:secret", "-r", "example.org", .. extra,
            ]);
            try
            {
                p.WaitForLine($@"listening on TLS 127\.0\.0\.1:{tlsPort}", Servers.StartTimeout);
                return new TlsServer(p, port, tlsPort);
            }
            catch
            {
                p.Dispose();
                throw;
            }
        }

        public void Dispose() => Process.Dispose();
    }

    /// <summary>PEM files in a temporary directory: a self-signed server certificate, optionally a CA and a client certificate it signed.</summary>
    private sealed record Certificates(string Directory, string CertFile, string KeyFile)
    {
        public string? CaFile { get; init; }

        public string? ClientCertFile { get; init; }

        public string? ClientKeyFile { get; init; }

        public static Certificates Create(string subject, string? password = null, bool withClientCa = false)
        {
            string dir = Servers.TempDir();
            DateTimeOffset now = DateTimeOffset.UtcNow;
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256);
            using X509Certificate2 cert = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(2));
            string certFile = Path.Combine(dir, "cert.pem");
            string keyFile = Path.Combine(dir, "key.pem");
            File.WriteAllText(certFile, cert.ExportCertificatePem());
            File.WriteAllText(keyFile, password is null
                ? key.ExportPkcs8PrivateKeyPem()
                : key.ExportEncryptedPkcs8PrivateKeyPem(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000)));
            var result = new Certificates(dir, certFile, keyFile);
            if (!withClientCa)
            {
                return result;
            }

            using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var caRequest = new CertificateRequest("CN=turn-test-client-ca", caKey, HashAlgorithmName.SHA256);
            caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            using X509Certificate2 ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(2));

            using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var clientRequest = new CertificateRequest("CN=turn-test-client", clientKey, HashAlgorithmName.SHA256);
            clientRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            using X509Certificate2 client = clientRequest.Create(ca, now.AddDays(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8));

            string caFile = Path.Combine(dir, "ca.pem");
            string clientCertFile = Path.Combine(dir, "client.pem");
            string clientKeyFile = Path.Combine(dir, "client.key");
            File.WriteAllText(caFile, ca.ExportCertificatePem());
            File.WriteAllText(clientCertFile, client.ExportCertificatePem());
            File.WriteAllText(clientKeyFile, clientKey.ExportPkcs8PrivateKeyPem());
            return result with { CaFile = caFile, ClientCertFile = clientCertFile, ClientKeyFile = clientKeyFile };
        }
    }
}
