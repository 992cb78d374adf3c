using System.Globalization;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Turn.Server.Transports.Tls;

/// <summary>
/// The server side of TLS for every listener: certificate (with its chain), protocols, ALPN
/// (RFC 7443: <c>stun.turn</c>, <c>stun.nat-discovery</c>), cipher suites and client-certificate
/// checking. <see cref="Reload"/> swaps the certificate atomically: handshakes that start
/// afterwards use the new one, established sessions are not touched.
/// </summary>
public sealed class TlsServerContext
{
    /// <summary>RFC 7443 ALPN identifiers, in the server's order of preference.</summary>
    public static readonly SslApplicationProtocol StunTurn = new("stun.turn");

    public static readonly SslApplicationProtocol StunNatDiscovery = new("stun.nat-discovery");

    private static readonly List<SslApplicationProtocol> Alpn = [StunTurn, StunNatDiscovery];

    private readonly CipherSuitesPolicy? _ciphers;
    private readonly SslProtocols _protocols;
    private Loaded _current;

    private TlsServerContext(TlsSettings settings, Loaded loaded, CipherSuitesPolicy? ciphers, SslProtocols protocols)
    {
        Settings = settings;
        _current = loaded;
        _ciphers = ciphers;
        _protocols = protocols;
    }

    public TlsSettings Settings { get; }

    /// <summary>The certificate new handshakes present.</summary>
    public X509Certificate2 Certificate => Volatile.Read(ref _current).Leaf;

    public SslProtocols Protocols => _protocols;

    public TimeSpan HandshakeTimeout => Settings.HandshakeTimeout;

    /// <summary>Informational remarks about the settings (for the log).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Options for the next handshake (shared, never mutated), by what the client's ALPN offers.</summary>
    internal SslServerAuthenticationOptions OptionsFor(AlpnOffer offer)
    {
        Loaded current = Volatile.Read(ref _current);
        // SslStream refuses a client whose ALPN list has none of ours; coturn goes on without ALPN.
        return offer == AlpnOffer.OtherOnly ? current.WithoutAlpn : current.Options;
    }

    /// <summary>
    /// Loads certificate, key and CA file; throws <see cref="TlsSetupException"/> naming the file
    /// when one cannot be used. <paramref name="warnings"/> receives what was accepted but not honoured.
    /// </summary>
    public static TlsServerContext Create(TlsSettings settings, List<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(warnings);
        CipherSuitesPolicy? ciphers = null;
        if (!string.IsNullOrWhiteSpace(settings.CipherList))
        {
            try
            {
                ciphers = CipherList.ToPolicy(settings.CipherList, out string? cipherWarning);
                if (cipherWarning is not null)
                {
                    warnings.Add(cipherWarning);
                }
            }
            catch (PlatformNotSupportedException)
            {
                warnings.Add($"cipher-list '{settings.CipherList}': cipher suite policies are not supported on this platform; the system default is used");
            }
        }

        SslProtocols protocols = settings.NoTls12 ? SslProtocols.Tls13 : SslProtocols.Tls12 | SslProtocols.Tls13;
        var context = new TlsServerContext(settings, default!, ciphers, protocols);
        if (settings.NoTls10 || settings.NoTls11)
        {
            // Nothing to do: they are never enabled here (and OpenSSL 3's default security level refuses them).
            context.Notes.Add("no-tlsv1/no-tlsv1_1 accepted: TLS 1.0 and 1.1 are never offered by this server");
        }

        context._current = context.Load();
        return context;
    }

    /// <summary>
    /// Reads the files again (SIGUSR2, SIGHUP). On success new handshakes use the new certificate and
    /// true is returned; on failure the old one stays and <paramref name="error"/> names the file.
    /// </summary>
    public bool Reload(out string? error)
    {
        try
        {
            Loaded loaded = Load();
            Volatile.Write(ref _current, loaded);
            error = null;
            return true;
        }
        catch (TlsSetupException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>One line for the log: subject, validity, protocols, client certificates.</summary>
    public string Describe()
    {
        X509Certificate2 c = Certificate;
        string versions = _protocols.HasFlag(SslProtocols.Tls12) ? "TLS 1.2, 1.3" : "TLS 1.3";
        return $"certificate '{c.Subject}' (valid until {c.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC) "
               + $"from {Settings.CertFile}; {versions}; ALPN stun.turn, stun.nat-discovery"
               + (_ciphers is null ? "" : "; cipher-list applied")
               + (Settings.CaFile is null ? "" : $"; client certificates required (CA {Settings.CaFile})");
    }

    private Loaded Load()
    {
        (X509Certificate2 leaf, X509Certificate2Collection chain) = LoadCertificate(Settings.CertFile, Settings.KeyFile, Settings.KeyPassword);
        X509Certificate2Collection? ca = Settings.CaFile is null ? null : LoadCa(Settings.CaFile);
        SslCertificateTrust? trust = ca is null ? null : SslCertificateTrust.CreateForX509Collection(ca, sendTrustInHandshake: true);
        SslStreamCertificateContext certificateContext;
        try
        {
            certificateContext = SslStreamCertificateContext.Create(leaf, chain, offline: true, trust);
        }
        catch (Exception e) when (e is CryptographicException or PlatformNotSupportedException or ArgumentException)
        {
            throw new TlsSetupException($"certificate file '{Settings.CertFile}' cannot be used for TLS: {e.Message}", e);
        }

        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = certificateContext,
            EnabledSslProtocols = _protocols,
            ApplicationProtocols = Alpn,
            CipherSuitesPolicy = _ciphers,
            ClientCertificateRequired = ca is not null,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            AllowRenegotiation = false,
            RemoteCertificateValidationCallback = ca is null
                ? static (_, _, _, _) => true
                : (_, certificate, chainSent, _) => ClientCertificateIsTrusted(certificate, chainSent, ca),
        };
        var withoutAlpn = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = options.ServerCertificateContext,
            EnabledSslProtocols = options.EnabledSslProtocols,
            CipherSuitesPolicy = options.CipherSuitesPolicy,
            ClientCertificateRequired = options.ClientCertificateRequired,
            CertificateRevocationCheckMode = options.CertificateRevocationCheckMode,
            AllowRenegotiation = options.AllowRenegotiation,
            RemoteCertificateValidationCallback = options.RemoteCertificateValidationCallback,
        };
        return new Loaded(leaf, options, withoutAlpn);
    }

    private static bool ClientCertificateIsTrusted(X509Certificate? certificate, X509Chain? sent, X509Certificate2Collection ca)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (sent is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(sent.ChainPolicy.ExtraStore);
        }

        X509Certificate2 leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }

    /// <summary>cert + pkey (PEM) → the leaf with its private key, and the other certificates of the file as the chain.</summary>
    internal static (X509Certificate2 Leaf, X509Certificate2Collection Chain) LoadCertificate(string certFile, string keyFile, string? password)
    {
        string certPem = ReadFile(certFile, "certificate file");
        string keyPem = string.Equals(certFile, keyFile, StringComparison.Ordinal) ? certPem : ReadFile(keyFile, "private key file");
        if (!certPem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            throw new TlsSetupException($"certificate file '{certFile}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }

        bool pkcs8Encrypted = keyPem.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal);
        bool legacyEncrypted = keyPem.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal);
        if (legacyEncrypted)
        {
            throw new TlsSetupException($"private key file '{keyFile}' uses OpenSSL's legacy PEM encryption (Proc-Type: 4,ENCRYPTED), "
                + "which cannot be read here: convert it to PKCS#8 (openssl pkcs8 -topk8 -in OLD -out NEW), keeping a password for pkey-pwd");
        }

        if (pkcs8Encrypted && string.IsNullOrEmpty(password))
        {
            throw new TlsSetupException($"private key file '{keyFile}' is encrypted: set pkey-pwd");
        }

        if (!pkcs8Encrypted && !keyPem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw new TlsSetupException(string.Equals(certFile, keyFile, StringComparison.Ordinal)
                ? $"certificate file '{certFile}' holds no private key and no pkey file was found: set pkey"
                : $"private key file '{keyFile}' holds no PEM private key");
        }

        X509Certificate2 leaf;
        try
        {
            leaf = pkcs8Encrypted
                ? X509Certificate2.CreateFromEncryptedPem(certPem, keyPem, password)
                : X509Certificate2.CreateFromPem(certPem, keyPem);
        }
        catch (CryptographicException e)
        {
            string why = pkcs8Encrypted ? "wrong pkey-pwd, or the key does not match the certificate" : "the key does not match the certificate or is malformed";
            throw new TlsSetupException($"private key file '{keyFile}' cannot be used with certificate file '{certFile}' ({why}): {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new TlsSetupException($"certificate file '{certFile}' / private key file '{keyFile}': {e.Message}", e);
        }

        if (!leaf.HasPrivateKey)
        {
            throw new TlsSetupException($"private key file '{keyFile}' holds no private key for the certificate in '{certFile}'");
        }

        var chain = new X509Certificate2Collection();
        try
        {
            var all = new X509Certificate2Collection();
            all.ImportFromPem(certPem);
            foreach (X509Certificate2 c in all)
            {
                if (c.Thumbprint != leaf.Thumbprint)
                {
                    chain.Add(c);
                }
            }
        }
        catch (CryptographicException e)
        {
            throw new TlsSetupException($"certificate file '{certFile}': a certificate after the first cannot be read: {e.Message}", e);
        }

        return (leaf, chain);
    }

    private static X509Certificate2Collection LoadCa(string caFile)
    {
        string pem = ReadFile(caFile, "CA file");
        var ca = new X509Certificate2Collection();
        try
        {
            ca.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new TlsSetupException($"CA file '{caFile}' cannot be read: {e.Message}", e);
        }

        return ca.Count > 0 ? ca : throw new TlsSetupException($"CA file '{caFile}' holds no PEM certificate");
    }

    private static string ReadFile(string path, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new TlsSetupException($"cannot read {what} '{path}': {e.Message}", e);
        }
    }

    private sealed record Loaded(X509Certificate2 Leaf, SslServerAuthenticationOptions Options, SslServerAuthenticationOptions WithoutAlpn);
}
