using System.Net;
using System.Net.Sockets;

namespace Turn.Interop.Tests;

/// <summary>
/// TURN over DTLS (RFC 8656 §3.1, RFC 6347) on our bin/turnserver, checked with coturn's
/// turnutils_uclient (-S without -t) and openssl s_client -dtls1_2. The certificate is made with
/// openssl in a temporary directory per test. Relay ports 20000-20999.
/// </summary>
public sealed class DtlsInteropTests : IClassFixture<TurnInteropTests.PeerFixture>
{
    private const int SIGUSR2 = 12;
    private readonly TurnInteropTests.PeerFixture _peer;

    public DtlsInteropTests(TurnInteropTests.PeerFixture peer) => _peer = peer;

    public static TheoryData<string> Modes() =>
    [
        "-y",    // client to client
        "",      // channels, to coturn's echo peer
        "-s",    // Send/Data indications
        "-c",    // one allocation per client
    ];

    [Theory]
    [MemberData(nameof(Modes))]
    public void CoturnUclientOverDtlsLongTermCredentialsNoLoss(string mode)
    {
        using DtlsServer server = DtlsServer.Start(Pem.Create("turn-dtls-a"));
        AssertNoLoss(RunUclient(server.TlsPort, ["-S", "-u", "bob", "-w", "secret", "-n", "100", "-m", "5", "-l", "170", "-e", "127.0.0.1", .. Split(mode)]));
        server.Process.WaitForLine(@"DTLS session with 127\.0\.0\.1:\d+: DTLS 1\.[02]", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void CoturnUclientDtlsOnThePlainUdpPort()
    {
        using DtlsServer server = DtlsServer.Start(Pem.Create("turn-dtls-a"));
        AssertNoLoss(RunUclient(server.Port, ["-S", "-u", "bob", "-w", "secret", "-n", "100", "-m", "5", "-l", "170", "-e", "127.0.0.1", "-y"]));
    }

    [Fact]
    public void CoturnUclientFiftyDtlsClients1000Bytes()
    {
        using DtlsServer server = DtlsServer.Start(Pem.Create("turn-dtls-a"));
        AssertNoLoss(RunUclient(server.TlsPort, ["-S", "-u", "bob", "-w", "secret", "-m", "50", "-n", "50", "-l", "1000", "-e", "127.0.0.1"]));
    }

    [Fact]
    public void OpenSslDtls12HandshakeAfterCookieExchange()
    {
        using DtlsServer server = DtlsServer.Start(Pem.Create("turn-dtls-a"));
        string output = SClient(server.TlsPort, "-dtls1_2");
        Assert.Contains("Protocol  : DTLSv1.2", output);
        Assert.Matches(@"New, TLSv1\.2, Cipher is ECDHE-ECDSA-(AES128-GCM-SHA256|AES256-GCM-SHA384|CHACHA20-POLY1305)", output);
        Assert.Contains("turn-dtls-a", output);

        Assert.Contains("Protocol  : DTLSv1.2", SClient(server.Port, "-dtls1_2")); // the plain port detects DTLS too
    }

    [Fact]
    public void CipherListRestrictsDtlsSuites()
    {
        using DtlsServer server = DtlsServer.Start(Pem.Create("turn-dtls-a"), "--cipher-list=ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384");
        Assert.Contains("Cipher is ECDHE-ECDSA-AES256-GCM-SHA384", SClient(server.TlsPort, "-dtls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384"));
        Assert.DoesNotContain("Cipher is ECDHE", SClient(server.TlsPort, "-dtls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256"));
    }

    [Fact]
    public void NoDtlsLeavesDtlsDatagramsUnanswered()
    {
        using DtlsServer server = DtlsServer.Start(Pem.Create("turn-dtls-a"), "--no-dtls");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.SendTo(ClientHelloWithoutCookie(), new IPEndPoint(IPAddress.Loopback, server.Port));
        // A Binding on the same socket is answered after the ClientHello was handled (one listener, in order)...
        Servers.WaitForBinding(server.Port, Servers.StartTimeout);
        byte[] request = RawStun.BindingRequest(out _);
        socket.SendTo(request, new IPEndPoint(IPAddress.Loopback, server.Port));
        socket.ReceiveTimeout = 5000;
        byte[] buffer = new byte[2048];
        int n = socket.Receive(buffer);
        // ...and the only answer is the Binding response: no HelloVerifyRequest came back.
        Assert.Equal(0x01, buffer[0]);
        Assert.Equal(0x01, buffer[1]);
        Assert.True(n >= 20);
        Assert.Equal(0, socket.Available);
        Assert.DoesNotContain("listening on DTLS", server.Process.Output);
    }

    [Fact]
    public void NoTlsStillServesDtls()
    {
        using DtlsServer server = DtlsServer.Start(Pem.Create("turn-dtls-a"), "--no-tls");
        Assert.Contains("Protocol  : DTLSv1.2", SClient(server.TlsPort, "-dtls1_2"));
        Assert.DoesNotContain("listening on TLS", server.Process.Output);
    }

    [Fact]
    public void Sigusr2ReloadsTheDtlsCertificate()
    {
        Pem a = Pem.Create("turn-dtls-a");
        using DtlsServer server = DtlsServer.Start(a);
        Assert.Contains("turn-dtls-a", SClient(server.TlsPort, "-dtls1_2"));
        Pem b = Pem.Create("turn-dtls-b");
        File.Copy(b.CertFile, a.CertFile, overwrite: true);
        File.Copy(b.KeyFile, a.KeyFile, overwrite: true);
        server.Process.Signal(SIGUSR2);
        server.Process.WaitForLine("SIGUSR2: TLS certificate reloaded", TimeSpan.FromSeconds(10));
        Assert.Contains("turn-dtls-b", SClient(server.TlsPort, "-dtls1_2"));
    }

    [Fact]
    public void MissingKeyFileIsAnErrorNamingTheFile()
    {
        Pem pem = Pem.Create("turn-dtls-a");
        string missing = Path.Combine(pem.Directory, "no-such-key.pem");
        (int code, string output) = RunningProcess.Run(
            RepoPaths.Bin("turnserver"),
            ["-n", "--listening-ip=127.0.0.1", "--listening-port=0", "--no-cli", "--log-file=stdout", $"--pidfile={Path.Combine(pem.Directory, "pid")}",
             "--no-tls", $"--cert={pem.CertFile}", $"--pkey={missing}"],
            TimeSpan.FromSeconds(20),
            pem.Directory);
        Assert.NotEqual(0, code);
        Assert.Contains(missing, output);
    }

    private string RunUclient(int port, string[] args) => SecureClientRuns.Uclient(port, _peer.Port, args);

    private static string SClient(int port, string options) => SecureClientRuns.SClient(port, options);

    private static void AssertNoLoss(string output) => SecureClientRuns.AssertNoLoss(output);

    private static string[] Split(string mode) => SecureClientRuns.Split(mode);

    /// <summary>A DTLS 1.2 ClientHello with an empty cookie, by hand (RFC 6347 §4.2.1).</summary>
    private static byte[] ClientHelloWithoutCookie()
    {
        byte[] body = [0xFE, 0xFD, .. new byte[32], 0, 0, 0, 2, 0xC0, 0x2B, 1, 0, 0, 0];
        byte[] record = new byte[13 + 12 + body.Length];
        record[0] = 22;
        record[1] = 0xFE;
        record[2] = 0xFF;
        record[12] = (byte)(12 + body.Length);
        record[13] = 1;
        record[16] = (byte)body.Length;
        record[24] = (byte)body.Length;
        body.CopyTo(record, 25);
        return record;
    }

    /// <summary>A self-signed P-256 certificate and key made by openssl in a temporary directory.</summary>
    private sealed record Pem(string Directory, string CertFile, string KeyFile)
    {
        public static Pem Create(string subject)
        {
            string dir = Servers.TempDir();
            string cert = Path.Combine(dir, "cert.pem");
            string key = Path.Combine(dir, "key.pem");
            (int code, string output) = RunningProcess.Run(
                "openssl",
                ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                 "-subj", $"/CN={subject}", "-keyout", key, "-out", cert],
                TimeSpan.FromSeconds(20));
            Assert.True(code == 0, output);
            return new Pem(dir, cert, key);
        }
    }

    /// <summary>Our server with TLS and DTLS on a free TLS port, long-term credentials bob:secret, relay ports 20000-20999.</summary>
    private sealed class DtlsServer : IDisposable
    {
        private DtlsServer(RunningProcess process, int port, int tlsPort)
        {
            Process = process;
            Port = port;
            TlsPort = tlsPort;
        }

        public RunningProcess Process { get; }

        public int Port { get; }

        public int TlsPort { get; }

        public static DtlsServer Start(Pem pem, params string[] extra)
        {
            int tlsPort = Servers.FreePort();
            (RunningProcess p, int port) = Servers.StartOurs(
            [
                "--no-tls=0", "--no-dtls=0", $"--tls-listening-port={tlsPort}", $"--cert={pem.CertFile}", $"--pkey={pem.KeyFile}", "-V",
                "--allow-loopback-peers", "--min-port=20000", "--max-port=20999", "-a", "-u", "bob:secret", "-r", "example.org", .. extra,
            ]);
            return new DtlsServer(p, port, tlsPort);
        }

        public void Dispose() => Process.Dispose();
    }
}
