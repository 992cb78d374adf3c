using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using BcCertificate = Org.BouncyCastle.Crypto.Tls.Certificate;

namespace Turn.Server.Dtls.Bc;

/// <summary>
/// The server certificate chain and private key in BouncyCastle's form, converted from the
/// certificate the TLS listeners loaded (same files, same checks, same reload): DER for the
/// certificates, PKCS#8 for the key.
/// </summary>
internal sealed class BcCredentials
{
    private BcCredentials(X509Certificate2 source, BcCertificate chain, AsymmetricKeyParameter key, bool ecdsa)
    {
        Source = source;
        Chain = chain;
        Key = key;
        IsEcdsa = ecdsa;
    }

    /// <summary>The certificate these were made from (to notice a reload).</summary>
    public X509Certificate2 Source { get; }

    public BcCertificate Chain { get; }

    public AsymmetricKeyParameter Key { get; }

    /// <summary>An ECDSA key (ECDHE_ECDSA suites); otherwise RSA (ECDHE_RSA).</summary>
    public bool IsEcdsa { get; }

    /// <summary>Throws <see cref="ArgumentException"/> for a certificate without a usable ECDSA or RSA private key.</summary>
    public static BcCredentials From(X509Certificate2 leaf, X509Certificate2Collection? intermediates)
    {
        byte[] pkcs8;
        bool ecdsa;
        using (ECDsa? ec = leaf.GetECDsaPrivateKey())
        using (RSA? rsa = ec is null ? leaf.GetRSAPrivateKey() : null)
        {
            if (ec is null && rsa is null)
            {
                throw new ArgumentException($"certificate '{leaf.Subject}' has no ECDSA or RSA private key usable for DTLS");
            }

            ecdsa = ec is not null;
            try
            {
                pkcs8 = ec is not null ? ec.ExportPkcs8PrivateKey() : rsa!.ExportPkcs8PrivateKey();
            }
            catch (CryptographicException e)
            {
                throw new ArgumentException($"the private key of certificate '{leaf.Subject}' cannot be exported for DTLS: {e.Message}", e);
            }
        }

        try
        {
            var certificates = new List<X509CertificateStructure> { Parse(leaf) };
            if (intermediates is not null)
            {
                certificates.AddRange(intermediates.Select(Parse));
            }

            return new BcCredentials(leaf, new BcCertificate(certificates.ToArray()), PrivateKeyFactory.CreateKey(pkcs8), ecdsa);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    private static X509CertificateStructure Parse(X509Certificate2 certificate) =>
        X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(certificate.RawData));
}
