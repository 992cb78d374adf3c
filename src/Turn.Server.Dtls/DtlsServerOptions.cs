using System.Security.Cryptography.X509Certificates;

namespace Turn.Server.Dtls;

/// <summary>What the DTLS listeners need: the TLS listeners' certificate and a few bounds.</summary>
/// <param name="Certificate">The server certificate with its private key (ECDSA or RSA).</param>
/// <param name="Intermediates">Certificates sent after it (may be empty).</param>
public sealed record DtlsServerOptions(X509Certificate2 Certificate, X509Certificate2Collection Intermediates)
{
    /// <summary>CA-file: when set, clients must present a certificate that chains to one of these.</summary>
    public X509Certificate2Collection? ClientCas { get; init; }

    /// <summary>cipher-list (OpenSSL syntax); null or DEFAULT = every suite this server has.</summary>
    public string? CipherList { get; init; }

    /// <summary>DTLS 1.0 (RFC 4347) besides 1.2; coturn's no-tlsv1 turns it off.</summary>
    public bool AllowDtls10 { get; init; } = true;

    /// <summary>DTLS 1.2; coturn's no-tlsv1_2 turns it off (leaving 1.0 unless that is off too).</summary>
    public bool AllowDtls12 { get; init; } = true;

    /// <summary>A handshake that has not finished by then is dropped (its thread ends).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>DTLS sessions in the whole process (handshaking or established); beyond, new clients get no session.</summary>
    public int MaxSessions { get; init; } = 20_000;

    /// <summary>DTLS sessions from one source (any port): an IPv4 address or an IPv6 /64 (<see cref="Turn.Protocol.SourcePrefix"/>).</summary>
    public int MaxSessionsPerAddress { get; init; } = 256;

    /// <summary>Handshakes running at once (each holds a thread while it waits for the client).</summary>
    public int MaxConcurrentHandshakes { get; init; } = 64;

    /// <summary>
    /// Handshakes running at once for one source (IPv4 address or IPv6 /64): beyond, its ClientHellos are
    /// dropped even with a valid cookie, so one host cannot take the <see cref="MaxConcurrentHandshakes"/>
    /// slots from everyone else. A browser opens one or two DTLS connections to a TURN server at a time;
    /// 4 leaves room for a few clients behind one NAT starting together (they retry when refused).
    /// </summary>
    public int MaxHandshakesPerSource { get; init; } = 4;

    /// <summary>An established session that carried nothing for this long and has no allocation is closed.</summary>
    public long IdleTimeoutMs { get; init; } = 60_000;

    /// <summary>How often the cookie secret is replaced.</summary>
    public long CookieRotationMs { get; init; } = 60_000;

    /// <summary>Largest datagram a handshake sends (certificates are fragmented to fit; RFC 6347 §4.1.1.1).</summary>
    public int HandshakeMtu { get; init; } = 1200;
}
