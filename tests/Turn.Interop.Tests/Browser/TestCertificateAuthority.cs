using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Turn.Interop.Tests.Browser;

/// <summary>
/// A throwaway CA and one server certificate it signed for a DNS name, as PEM files in a temporary
/// directory (never committed), and the CA made trusted for one browser profile.
/// </summary>
/// <remarks>
/// Chromium verifies the certificate of a turns: server like any HTTPS server's (chain and name;
/// without trust the TLS handshake is aborted and the peer connection reports ICE candidate error
/// 701). On Linux it also trusts CAs from the user's NSS database, HOME/.pki/nssdb, so a private
/// HOME with this CA imported gives real verification for the test only. Alternatives tried:
/// --ignore-certificate-errors and --ignore-certificate-errors-spki-list=HASH also work, but skip
/// the name check, so a test relying on them could not notice a wrong name.
/// </remarks>
internal sealed record TestCertificateAuthority(string CaFile, string CertFile, string KeyFile)
{
    public const string CertUtil = "/usr/bin/certutil";

    public static TestCertificateAuthority Create(string directory, string dnsName)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=turn-dotnet browser test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using X509Certificate2 ca = caRequest.CreateSelfSigned(now.AddHours(-1), now.AddDays(2));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(dnsName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // serverAuth
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using X509Certificate2 cert = request.Create(ca, now.AddHours(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(12));

        var files = new TestCertificateAuthority(
            Path.Combine(directory, "ca.pem"), Path.Combine(directory, "cert.pem"), Path.Combine(directory, "key.pem"));
        File.WriteAllText(files.CaFile, ca.ExportCertificatePem());
        File.WriteAllText(files.CertFile, cert.ExportCertificatePem());
        File.WriteAllText(files.KeyFile, key.ExportPkcs8PrivateKeyPem());
        return files;
    }

    /// <summary>Creates HOME/.pki/nssdb (no password) with this CA trusted for TLS servers ("C,,").</summary>
    public void TrustInNssDb(string home, TimeSpan timeout)
    {
        if (!File.Exists(CertUtil))
        {
            throw new InvalidOperationException($"{CertUtil} is missing: run scripts/install-test-deps (installs Debian's libnss3-tools package)");
        }

        string db = Path.Combine(home, ".pki", "nssdb");
        Directory.CreateDirectory(db);
        RunCertUtil(["-N", "-d", "sql:" + db, "--empty-password"], timeout);
        RunCertUtil(["-A", "-d", "sql:" + db, "-n", "turn-dotnet browser test CA", "-t", "C,,", "-i", CaFile], timeout);
    }

    private static void RunCertUtil(string[] args, TimeSpan timeout)
    {
        (int code, string output) = RunningProcess.Run(CertUtil, args, timeout);
        if (code != 0)
        {
            throw new InvalidOperationException($"certutil {string.Join(' ', args)} exited {code}: {output}");
        }
    }
}
