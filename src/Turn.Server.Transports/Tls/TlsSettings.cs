namespace Turn.Server.Transports.Tls;

/// <summary>What the TLS listeners need from the configuration (coturn's cert, pkey, pkey-pwd, CA-file, cipher-list, no-tlsv1*).</summary>
/// <param name="CertFile">PEM certificate (leaf first, then any intermediates); may also hold the key.</param>
/// <param name="KeyFile">PEM private key; the same path as <paramref name="CertFile"/> for a combined file.</param>
public sealed record TlsSettings(string CertFile, string KeyFile)
{
    /// <summary>pkey-pwd: the password of a PKCS#8 encrypted key ("ENCRYPTED PRIVATE KEY").</summary>
    public string? KeyPassword { get; init; }

    /// <summary>CA-file: when set, clients must present a certificate that chains to one of these.</summary>
    public string? CaFile { get; init; }

    /// <summary>cipher-list (OpenSSL syntax); "DEFAULT" or null = the system default.</summary>
    public string? CipherList { get; init; }

    /// <summary>no-tlsv1_2: TLS 1.3 only.</summary>
    public bool NoTls12 { get; init; }

    /// <summary>no-tlsv1 / no-tlsv1_1: accepted; TLS 1.0 and 1.1 are never offered by this server.</summary>
    public bool NoTls10 { get; init; }

    public bool NoTls11 { get; init; }

    /// <summary>Bound on detecting the protocol of a new connection plus the TLS handshake.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>A certificate, key or CA file that cannot be used; the message names the file.</summary>
public sealed class TlsSetupException(string message, Exception? inner = null) : Exception(message, inner);
