using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Turn.Security;
using Turn.Server.Engine;
using Turn.Server.Relay;
using Turn.Server.Transports;
using Turn.Server.Transports.Tls;

namespace Turn.Server.Tests.TcpRelay;

/// <summary>
/// A real server in the test process: the relay workers (epoll, real sockets) and their engines on
/// 127.0.0.1, without authentication, loopback peers allowed. Two workers by default, so a data
/// connection (the listener hands connections out in turn) reaches the worker that does not own
/// its allocation and has to move there. Relay ports 21500-21999.
/// </summary>
internal sealed class TcpRelayTestServer : IDisposable
{
    private readonly string? _certDirectory;

    public TcpRelayTestServer(int workers = 2, bool tls = false, TcpListenerLimits? limits = null, IPAddress? address = null, Func<TurnEngineOptions, TurnEngineOptions>? configure = null)
    {
        TlsServerContext? context = null;
        if (tls)
        {
            _certDirectory = Path.Combine(Path.GetTempPath(), "turn-tcprelay-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(_certDirectory);
            context = TlsServerContext.Create(new TlsSettings(WriteCertificate(_certDirectory, out string key), key), []);
        }

        var plan = new ListenerPlan([address ?? IPAddress.Loopback], [0], Udp: true, Tcp: true, workers)
        {
            Tls = context,
            TlsPorts = context is null ? [] : [0],
            TcpLimits = limits ?? new TcpListenerLimits(),
        };

        // Port 0 picks a UDP port the TCP listener must then also get: a taken one is tried again.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                Listeners = ListenerSet.Bind(plan, NullServerLog.Instance);
                break;
            }
            catch (ListenerBindException) when (attempt < 5)
            {
            }
        }

        var options = new TurnEngineOptions { Authenticate = false, Realm = "example.org", Stun = new StunServiceOptions { Software = null } };
        options = configure?.Invoke(options) ?? options;
        Services = new TurnEngineServices(
            options,
            null,
            new PeerAddressFilter(PeerAddressFilterOptions.FromStrings(true, true, null, null)),
            new RelayPortPool(21500, 21999),
            new QuotaTracker(0, 0),
            Listeners.ListeningAddresses,
            NullServerLog.Instance);
        foreach (RelayWorker worker in Listeners.Workers)
        {
            worker.Engine = new TurnEngine(Services, worker);
        }

        Listeners.Start();
    }

    public ListenerSet Listeners { get; }

    public TurnEngineServices Services { get; }

    public IPEndPoint Tcp => Listeners.TcpEndPoints.First();

    public IPEndPoint Udp => Listeners.UdpEndPoints[0];

    public IPEndPoint Tls => Listeners.TlsEndPoints.First();

    /// <summary>TCP client connections holding the start of an incomplete message now, and the input buffer bytes they hold.</summary>
    public (int Connections, long Bytes) PartialMessages =>
        (Listeners.Workers.Sum(w => w.PartialMessageCount), Listeners.Workers.Sum(w => w.PartialMessageBytes));

    /// <summary>Relayed bytes all workers hold for TCP relay connections now.</summary>
    public long BufferedBytes => Listeners.Workers.Sum(w => w.TcpRelayBufferedBytes);

    public int TcpRelayConnections => Listeners.Workers.Sum(w => w.TcpRelayConnectionCount);

    public void Dispose()
    {
        Listeners.Dispose();
        if (_certDirectory is not null)
        {
            Directory.Delete(_certDirectory, recursive: true);
        }
    }

    /// <summary>Polls <paramref name="condition"/> (which reads the workers' statistics) until it holds; false after <paramref name="timeout"/>.</summary>
    public static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        DateTime until = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > until)
            {
                return false;
            }

            Thread.Sleep(10);
        }

        return true;
    }

    /// <summary>A self-signed certificate for CN=localhost (PEM files; the key is made per run and deleted with the directory).</summary>
    private static string WriteCertificate(string directory, out string keyFile)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 cert = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        string certFile = Path.Combine(directory, "cert.pem");
        keyFile = Path.Combine(directory, "key.pem");
        File.WriteAllText(certFile, cert.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return certFile;
    }
}
