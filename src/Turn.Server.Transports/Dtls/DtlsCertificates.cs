using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Turn.Server.Dtls;
using Turn.Server.Transports.Tls;

namespace Turn.Server.Transports.Dtls;

/// <summary>
/// DTLS uses the certificate, chain, CA file and cipher-list the TLS side loaded (coturn's cert,
/// pkey, pkey-pwd, CA-file, cipher-list serve both), so the files are read and checked once, with
/// the same error messages, and a reload (SIGUSR2, SIGHUP) reaches both.
/// </summary>
public static class DtlsCertificates
{
    /// <summary>
    /// The DTLS context for <paramref name="certificates"/>; throws <see cref="TlsSetupException"/>
    /// naming the file when the key cannot serve DTLS, <see cref="InvalidOperationException"/> when
    /// the DTLS library is not the expected one. <paramref name="bounds"/> sets the operator's bounds
    /// (handshakes, sessions) on the options made from the TLS settings.
    /// </summary>
    public static DtlsServerContext CreateContext(TlsServerContext certificates, List<string> warnings,
                                                  Func<DtlsServerOptions, DtlsServerOptions>? bounds = null)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        TlsSettings settings = certificates.Settings;
        try
        {
            var options = new DtlsServerOptions(certificates.Certificate, Intermediates(certificates))
            {
                ClientCas = settings.CaFile is null ? null : LoadCa(settings.CaFile),
                CipherList = settings.CipherList,
                HandshakeTimeout = settings.HandshakeTimeout,
                AllowDtls10 = !settings.NoTls10, // no-tlsv1 and no-tlsv1_2 cover DTLS 1.0 and 1.2, as in coturn
                AllowDtls12 = !settings.NoTls12,
            };
            return DtlsServerContext.Create(bounds is null ? options : bounds(options), warnings);
        }
        catch (ArgumentException e)
        {
            throw new TlsSetupException($"certificate file '{settings.CertFile}' / private key file '{settings.KeyFile}' cannot be used for DTLS: {e.Message}", e);
        }
    }

    /// <summary>After <see cref="TlsServerContext.Reload"/> succeeded: new DTLS handshakes present the new certificate.</summary>
    public static void Refresh(TlsServerContext certificates, DtlsServerContext dtls)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        ArgumentNullException.ThrowIfNull(dtls);
        try
        {
            dtls.UpdateCertificate(certificates.Certificate, Intermediates(certificates));
        }
        catch (ArgumentException e)
        {
            throw new TlsSetupException($"certificate file '{certificates.Settings.CertFile}' cannot be used for DTLS: {e.Message}", e);
        }
    }

    private static X509Certificate2Collection Intermediates(TlsServerContext certificates)
    {
        var chain = new X509Certificate2Collection();
        if (certificates.OptionsFor(AlpnOffer.None).ServerCertificateContext is { } context)
        {
            foreach (X509Certificate2 c in context.IntermediateCertificates)
            {
                chain.Add(c);
            }
        }

        return chain;
    }

    private static X509Certificate2Collection LoadCa(string caFile)
    {
        var ca = new X509Certificate2Collection();
        try
        {
            ca.ImportFromPem(File.ReadAllText(caFile));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new TlsSetupException($"CA file '{caFile}' cannot be read for DTLS: {e.Message}", e);
        }

        return ca;
    }
}
