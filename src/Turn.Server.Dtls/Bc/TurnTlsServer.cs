using System.Collections;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto.Tls;
using BcCertificate = Org.BouncyCastle.Crypto.Tls.Certificate;
using CertificateRequest = Org.BouncyCastle.Crypto.Tls.CertificateRequest;

namespace Turn.Server.Dtls.Bc;

/// <summary>
/// BouncyCastle's view of this server for one handshake: DTLS 1.2 and 1.0 (as no-tlsv1_2 and no-tlsv1 allow),
/// the configured suites that fit the certificate's key, its chain and key, and (with CA-file) a required
/// client certificate checked against the CA bundle.
/// </summary>
internal sealed class TurnTlsServer : DefaultTlsServer
{
    private readonly BcCredentials _credentials;
    private readonly int[] _suites;
    private readonly X509Certificate2Collection? _clientCas;

    private readonly ProtocolVersion _minimum;
    private readonly ProtocolVersion _maximum;

    public TurnTlsServer(BcCredentials credentials, IReadOnlyList<DtlsCipherSuite> suites, X509Certificate2Collection? clientCas, bool allowDtls10, bool allowDtls12)
    {
        _minimum = allowDtls10 ? ProtocolVersion.DTLSv10 : ProtocolVersion.DTLSv12;
        _maximum = allowDtls12 ? ProtocolVersion.DTLSv12 : ProtocolVersion.DTLSv10;
        _credentials = credentials;
        _suites = suites.Where(s => s.Ecdsa == credentials.IsEcdsa).Select(s => s.Code).ToArray();
        _clientCas = clientCas;
    }

    /// <summary>The last alert this side raised or received (for the log).</summary>
    public string? LastAlert { get; private set; }

    protected override ProtocolVersion MinimumVersion => _minimum;

    protected override ProtocolVersion MaximumVersion => _maximum;

    protected override int[] GetCipherSuites() => _suites;

    public override void ProcessClientExtensions(IDictionary clientExtensions)
    {
        base.ProcessClientExtensions(clientExtensions);
        // Neither is answered: records keep the full 2^14 limit and full tags (the record layer after the handshake assumes both).
        mMaxFragmentLengthOffered = -1;
        mTruncatedHMacOffered = false;
    }

    protected override TlsSignerCredentials GetECDsaSignerCredentials() =>
        new DefaultTlsSignerCredentials(mContext, _credentials.Chain, _credentials.Key, PickSignature(SignatureAlgorithm.ecdsa));

    protected override TlsSignerCredentials GetRsaSignerCredentials() =>
        new DefaultTlsSignerCredentials(mContext, _credentials.Chain, _credentials.Key, PickSignature(SignatureAlgorithm.rsa));

    public override CertificateRequest? GetCertificateRequest()
    {
        if (_clientCas is null)
        {
            return null;
        }

        IList algorithms = new ArrayList();
        foreach (byte hash in new[] { HashAlgorithm.sha256, HashAlgorithm.sha384, HashAlgorithm.sha512 })
        {
            algorithms.Add(new SignatureAndHashAlgorithm(hash, SignatureAlgorithm.ecdsa));
            algorithms.Add(new SignatureAndHashAlgorithm(hash, SignatureAlgorithm.rsa));
        }

        return new CertificateRequest([ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign], algorithms, null);
    }

    public override void NotifyClientCertificate(BcCertificate clientCertificate)
    {
        if (_clientCas is null || clientCertificate.IsEmpty)
        {
            throw new TlsFatalAlert(AlertDescription.handshake_failure); // CA-file set: a certificate is required
        }

        X509Certificate2[] sent = clientCertificate.GetCertificateList()
            .Select(c => X509CertificateLoader.LoadCertificate(c.GetDerEncoded()))
            .ToArray();
        try
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(_clientCas);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.ExtraStore.AddRange(sent[1..]);
            if (!chain.Build(sent[0]))
            {
                throw new TlsFatalAlert(AlertDescription.bad_certificate);
            }
        }
        finally
        {
            foreach (X509Certificate2 c in sent)
            {
                c.Dispose();
            }
        }
    }

    public override void NotifyAlertRaised(byte alertLevel, byte alertDescription, string message, Exception cause) =>
        LastAlert = $"sent {AlertDescription.GetText(alertDescription)}";

    public override void NotifyAlertReceived(byte alertLevel, byte alertDescription) =>
        LastAlert = $"received {AlertDescription.GetText(alertDescription)}";

    /// <summary>
    /// RFC 5246 §7.4.1.4.1: a signature/hash pair the client listed (SHA-256 or stronger first),
    /// or SHA-1 when the client sent no signature_algorithms extension.
    /// </summary>
    private SignatureAndHashAlgorithm PickSignature(byte signature)
    {
        if (mSupportedSignatureAlgorithms is null)
        {
            return new SignatureAndHashAlgorithm(HashAlgorithm.sha1, signature);
        }

        foreach (byte hash in new[] { HashAlgorithm.sha256, HashAlgorithm.sha384, HashAlgorithm.sha512, HashAlgorithm.sha1 })
        {
            foreach (SignatureAndHashAlgorithm offered in mSupportedSignatureAlgorithms)
            {
                if (offered.Signature == signature && offered.Hash == hash)
                {
                    return offered;
                }
            }
        }

        throw new TlsFatalAlert(AlertDescription.handshake_failure);
    }
}
