using System.Security.Cryptography.X509Certificates;
using Turn.Protocol;
using Turn.Server.Dtls.Bc;

namespace Turn.Server.Dtls;

/// <summary>
/// Everything the DTLS side of the process shares between relay workers: the credentials for
/// handshakes, the stateless cookie guard, the cipher suites, and the bounds on sessions and
/// concurrent handshakes (in all and per source). Admission takes a lock, but only when a session
/// or handshake starts or ends (after a valid cookie), never per packet.
/// </summary>
public sealed class DtlsServerContext
{
    private readonly SourceSlots _sessions;
    private readonly SourceSlots _handshakes;
    private BcCredentials _credentials;
    private long _refused;

    private DtlsServerContext(DtlsServerOptions options, BcCredentials credentials, IReadOnlyList<DtlsCipherSuite> suites)
    {
        Options = options;
        _credentials = credentials;
        Suites = suites;
        Cookies = new DtlsCookieGuard(options.CookieRotationMs);
        _sessions = new SourceSlots(options.MaxSessions, options.MaxSessionsPerAddress);
        _handshakes = new SourceSlots(options.MaxConcurrentHandshakes, options.MaxHandshakesPerSource);
    }

    public DtlsServerOptions Options { get; }

    public DtlsCookieGuard Cookies { get; }

    public IReadOnlyList<DtlsCipherSuite> Suites { get; }

    /// <summary>DTLS sessions in the process (handshaking or established).</summary>
    public int SessionCount => _sessions.Count;

    /// <summary>Handshakes running now.</summary>
    public int HandshakeCount => _handshakes.Count;

    /// <summary>Clients with a valid cookie that got no session because a bound was reached.</summary>
    public long RefusedSessions => Interlocked.Read(ref _refused);

    internal BcCredentials Credentials => Volatile.Read(ref _credentials);

    /// <summary>
    /// Checks that BouncyCastle has what the handshake needs and converts the certificate; throws
    /// <see cref="ArgumentException"/> (certificate) or <see cref="InvalidOperationException"/> (library) with a readable message.
    /// <paramref name="warnings"/> receives what was accepted but not honoured.
    /// </summary>
    public static DtlsServerContext Create(DtlsServerOptions options, List<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(warnings);
        try
        {
            BcInternals.Verify();
        }
        catch (TypeInitializationException e) when (e.InnerException is InvalidOperationException inner)
        {
            throw inner;
        }

        IReadOnlyList<DtlsCipherSuite> suites = DtlsCipherSuites.FromCipherList(options.CipherList, out string? warning);
        if (warning is not null)
        {
            warnings.Add(warning);
        }

        if (!options.AllowDtls10 && !options.AllowDtls12)
        {
            throw new ArgumentException("both DTLS versions are refused (no-tlsv1 and no-tlsv1_2)");
        }

        BcCredentials credentials = BcCredentials.From(options.Certificate, options.Intermediates);
        if (!suites.Any(s => s.Ecdsa == credentials.IsEcdsa))
        {
            warnings.Add($"cipher-list names no DTLS suite for a{(credentials.IsEcdsa ? "n ECDSA" : "n RSA")} certificate; DTLS offers all that fit it");
            suites = DtlsCipherSuites.All;
        }

        return new DtlsServerContext(options, credentials, suites);
    }

    /// <summary>A reloaded certificate (SIGUSR2, SIGHUP): handshakes that start afterwards present it.</summary>
    public void UpdateCertificate(X509Certificate2 leaf, X509Certificate2Collection intermediates)
    {
        if (!ReferenceEquals(Credentials.Source, leaf))
        {
            Volatile.Write(ref _credentials, BcCredentials.From(leaf, intermediates));
        }
    }

    /// <summary>One line for the log.</summary>
    public string Describe() =>
        $"DTLS {(Options.AllowDtls10 && Options.AllowDtls12 ? "1.0 and 1.2" : Options.AllowDtls12 ? "1.2" : "1.0")}, stateless cookies; suites {string.Join(", ", Suites.Where(s => s.Ecdsa == Credentials.IsEcdsa).Select(s => s.OpenSslName))}"
        + (Options.ClientCas is null ? "" : "; client certificates required");

    /// <summary>Admits a new session from <paramref name="client"/> if the total and per-address bounds allow.</summary>
    public bool TryAddSession(in StunAddress client) => Admit(_sessions, client);

    /// <summary>Gives back the session slot <see cref="TryAddSession"/> took.</summary>
    public void RemoveSession(in StunAddress client) => _sessions.Release(client);

    /// <summary>
    /// Takes a handshake slot for <paramref name="client"/> (a ClientHello whose cookie checked out): false when
    /// <see cref="DtlsServerOptions.MaxConcurrentHandshakes"/> are running, or its source (IPv4 address, IPv6 /64)
    /// has <see cref="DtlsServerOptions.MaxHandshakesPerSource"/>. A <see cref="DtlsHandshake"/> made with the slot gives it back.
    /// </summary>
    public bool TryEnterHandshake(in StunAddress client) => Admit(_handshakes, client);

    /// <summary>Gives back the slot <see cref="TryEnterHandshake"/> took (the handshake ended, or never started).</summary>
    public void ExitHandshake(in StunAddress client) => _handshakes.Release(client);

    private bool Admit(SourceSlots slots, in StunAddress client)
    {
        if (slots.TryTake(client))
        {
            return true;
        }

        Interlocked.Increment(ref _refused);
        return false;
    }
}
