using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Turn.Server.Dtls.Tests;

/// <summary>Self-signed server certificates made per test run, in memory.</summary>
internal static class TestCertificates
{
    public static X509Certificate2 Ecdsa(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return SelfSigned(new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256));
    }

    public static X509Certificate2 Rsa(string subject)
    {
        using var key = RSA.Create(2048);
        return SelfSigned(new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    private static X509Certificate2 SelfSigned(CertificateRequest request)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
    }
}
