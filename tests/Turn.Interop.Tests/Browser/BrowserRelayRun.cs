using System.Security.Cryptography;
using System.Text;

namespace Turn.Interop.Tests.Browser;

/// <summary>
/// One browser test's world: our bin/turnserver on 127.0.0.1 (UDP, TCP and TLS, TURN REST API
/// credentials, loopback peers allowed) and a headless Chromium that trusts the server's test CA
/// and resolves the certificate's name to 127.0.0.1. Disposing stops both.
/// </summary>
internal sealed class BrowserRelayRun : IDisposable
{
    /// <summary>The name in the server certificate; the browser resolves it to 127.0.0.1.</summary>
    public const string CertificateName = "turn-relay.test";

    /// <summary>Another name the browser resolves to 127.0.0.1, which the certificate does not cover.</summary>
    public const string UncoveredName = "not-in-the-certificate.test";

    public const string Realm = "browser.test";
    public const int MinRelayPort = 22000;
    public const int MaxRelayPort = 22999;

    private static readonly TimeSpan BrowserStartTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan CertUtilTimeout = TimeSpan.FromSeconds(10);
    private readonly string _secret;
    private readonly string _certificateDirectory;

    private BrowserRelayRun(RunningProcess server, int port, int tlsPort, string secret, string certificateDirectory, HeadlessChromium browser, string pageDirectory)
    {
        _certificateDirectory = certificateDirectory;
        Server = server;
        Port = port;
        TlsPort = tlsPort;
        _secret = secret;
        Browser = browser;
        PageDirectory = pageDirectory;
    }

    public RunningProcess Server { get; }

    /// <summary>The UDP and TCP listening port.</summary>
    public int Port { get; }

    public int TlsPort { get; }

    public HeadlessChromium Browser { get; }

    public string PageDirectory { get; }

    public static BrowserRelayRun Start()
    {
        // Fail on a missing browser before anything else, with the fix in the message.
        HeadlessChromium.RequireInstalled();

        string files = Servers.TempDir();
        TestCertificateAuthority certs = TestCertificateAuthority.Create(files, CertificateName);
        string secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        int tlsPort = Servers.FreePort();
        (RunningProcess server, int port) = Servers.StartOurs(
            "--no-tls=0", $"--tls-listening-port={tlsPort}", $"--cert={certs.CertFile}", $"--pkey={certs.KeyFile}",
            "--use-auth-secret", $"--static-auth-secret={secret}", $"--realm={Realm}",
            // The two peers' relayed addresses are both 127.0.0.1: each peer's data goes to a loopback peer.
            "--allow-loopback-peers",
            // Chromium numbers its channels from 0x4000 up: the RFC 8656 range, our default, must serve it.
            "--rfc5766-channel-numbers=false",
            $"--min-port={MinRelayPort}", $"--max-port={MaxRelayPort}", "-V");
        try
        {
            server.WaitForLine($@"listening on TLS 127\.0\.0\.1:{tlsPort}", Servers.StartTimeout);
            string home = Servers.TempDir();
            certs.TrustInNssDb(home, CertUtilTimeout);
            // How a turns: name reaches 127.0.0.1: WebRTC first asks Chromium's P2P address resolver,
            // which does not apply --host-resolver-rules (the browser logs "Failed to resolve address
            // for turn-relay.test."); for a TCP or TLS server WebRTC then connects by name through the
            // network stack, which applies the rule and checks the certificate against that name.
            // (A turn: URL over UDP with a name would not get that far; the UDP case uses the address.)
            HeadlessChromium browser = HeadlessChromium.Start(
                home,
                [$"--host-resolver-rules=MAP {CertificateName} 127.0.0.1, MAP {UncoveredName} 127.0.0.1"],
                BrowserStartTimeout);
            return new BrowserRelayRun(server, port, tlsPort, secret, files, browser, home);
        }
        catch
        {
            server.Dispose();
            Directory.Delete(files, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// TURN REST API credentials (draft-uberti-behave-turn-rest-00, coturn's --use-auth-secret):
    /// user name "expiry:user" with expiry in Unix seconds, password base64(HMAC-SHA1(secret, user name)).
    /// Computed here from the definition, not with our server's code.
    /// </summary>
    public IceServer IceServer(string url, string user = "browser")
    {
        string username = $"{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}:{user}";
        string password = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(_secret), Encoding.UTF8.GetBytes(username)));
        return new IceServer(url, username, password);
    }

    /// <summary>What a failure message needs: the page's answer, the browser's last output lines, the server's log.</summary>
    public string Describe(RelayExchangeResult? result) =>
        $"page result: {result?.Raw ?? "(none)"}\n--- chromium output (tail) ---\n{Browser.OutputTail()}\n--- turnserver log ---\n{Server.Output}";

    public void Dispose()
    {
        Browser.Dispose();
        Server.Dispose();
        Directory.Delete(_certificateDirectory, recursive: true);
    }
}
