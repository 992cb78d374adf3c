using Org.BouncyCastle.Crypto.Tls;
using Org.BouncyCastle.Security;

namespace Turn.Server.Dtls.Bc;

/// <summary>What a finished server handshake leaves for the record layer.</summary>
internal sealed record HandshakeSecrets(int CipherSuite, ushort Version, TlsCipher Cipher, byte[] MasterSecret, byte[] ClientRandom, byte[] ServerRandom);

/// <summary>
/// The server side of a full DTLS 1.2 handshake (RFC 6347 §4.2, RFC 5246 §7.3) on BouncyCastle's
/// building blocks, for a client whose cookie was already checked statelessly: the first message
/// it reads is that client's ClientHello with <c>message_seq</c> = the value given (1 after a
/// HelloVerifyRequest), and the ServerHello goes out with the same number. Key exchange,
/// signatures, Finished checks and handshake records are all BouncyCastle's; this class only
/// orders the messages (the order TLS 1.2 fixes) for the cases this server offers: ECDHE with a
/// certificate, optionally a client certificate, no resumption, no session tickets.
/// Blocking: runs on a handshake thread, never on a relay worker.
/// </summary>
internal sealed class CookieVerifiedServerProtocol(SecureRandom random) : DtlsServerProtocol(random)
{
    /// <summary>
    /// Runs the handshake over <paramref name="transport"/>; returns the secrets for the record
    /// layer once the server's Finished is sent. <paramref name="beforeFinalFlight"/> runs just
    /// before that last flight (ChangeCipherSpec, Finished) is written.
    /// </summary>
    public HandshakeSecrets Run(TlsServer server, DatagramTransport transport, int firstMessageSeq, Action beforeFinalFlight)
    {
        var parameters = new SecurityParameters();
        BcInternals.SetEntity(parameters, ConnectionEnd.server);
        TlsServerContext context = BcInternals.CreateServerContext(mSecureRandom, parameters);
        BcInternals.SetServerRandom(parameters, BcInternals.CreateRandomBlock(server.ShouldUseGmtUnixTime(), context.NonceRandomGenerator));
        var state = new ServerHandshakeState();
        BcInternals.SetState(state, server, context);
        server.Init(context);
        DatagramTransport recordLayer = BcInternals.CreateRecordLayer(transport, context, server);
        // Until the ServerHello fixes the version, alerts (an unacceptable ClientHello) go out as DTLS 1.0 records;
        // without a version BouncyCastle would drop them and the client would retransmit until it gives up.
        BcInternals.SetWriteVersion(recordLayer, ProtocolVersion.DTLSv10);
        try
        {
            return Handshake(state, server, context, parameters, recordLayer, firstMessageSeq, beforeFinalFlight);
        }
        catch (TlsFatalAlert alert)
        {
            BcInternals.Fail(recordLayer, alert.AlertDescription);
            throw;
        }
        catch (IOException)
        {
            BcInternals.Fail(recordLayer, AlertDescription.internal_error);
            throw;
        }
        finally
        {
            BcInternals.Clear(parameters);
        }
    }

    private HandshakeSecrets Handshake(ServerHandshakeState state, TlsServer server, TlsServerContext context, SecurityParameters parameters,
        DatagramTransport recordLayer, int firstMessageSeq, Action beforeFinalFlight)
    {
        object flight = BcInternals.CreateHandshake(context, recordLayer, firstMessageSeq);

        // Flight 3 (RFC 6347 §4.2.4): the cookie-bearing ClientHello.
        (byte type, byte[] body) = BcInternals.Receive(flight);
        if (type != HandshakeType.client_hello)
        {
            throw new TlsFatalAlert(AlertDescription.unexpected_message);
        }

        ProcessClientHello(state, body);

        // Flight 4: ServerHello, Certificate, ServerKeyExchange, [CertificateRequest], ServerHelloDone.
        byte[] serverHello = GenerateServerHello(state);
        BcInternals.SetVersions(recordLayer, context.ServerVersion);
        BcInternals.Send(flight, HandshakeType.server_hello, serverHello);
        BcInternals.HelloComplete(flight);

        TlsKeyExchange keyExchange = server.GetKeyExchange();
        keyExchange.Init(context);
        TlsCredentials credentials = server.GetCredentials() ?? throw new TlsFatalAlert(AlertDescription.internal_error);
        BcInternals.SetKeyExchange(state, keyExchange, credentials);
        keyExchange.ProcessServerCredentials(credentials);
        BcInternals.Send(flight, HandshakeType.certificate, GenerateCertificate(credentials.Certificate));
        if (keyExchange.GenerateServerKeyExchange() is { } serverKeyExchange)
        {
            BcInternals.Send(flight, HandshakeType.server_key_exchange, serverKeyExchange);
        }

        CertificateRequest? certificateRequest = server.GetCertificateRequest();
        if (certificateRequest is not null)
        {
            BcInternals.SetCertificateRequest(state, certificateRequest);
            keyExchange.ValidateCertificateRequest(certificateRequest);
            BcInternals.Send(flight, HandshakeType.certificate_request, GenerateCertificateRequest(state, certificateRequest));
            BcInternals.TrackHashAlgorithms(BcInternals.Hash(flight), certificateRequest.SupportedSignatureAlgorithms);
        }

        BcInternals.Send(flight, HandshakeType.server_hello_done, []);
        BcInternals.Hash(flight).SealHashAlgorithms();

        // Flight 5: [Certificate], ClientKeyExchange, [CertificateVerify], ChangeCipherSpec, Finished.
        (type, body) = BcInternals.Receive(flight);
        if (certificateRequest is null)
        {
            keyExchange.SkipClientCredentials();
        }
        else if (type == HandshakeType.certificate)
        {
            ProcessClientCertificate(state, body);
            (type, body) = BcInternals.Receive(flight);
        }
        else
        {
            // RFC 5246 §7.4.6: a TLS 1.2 client without a certificate still sends an empty Certificate.
            throw new TlsFatalAlert(AlertDescription.unexpected_message);
        }

        if (type != HandshakeType.client_key_exchange)
        {
            throw new TlsFatalAlert(AlertDescription.unexpected_message);
        }

        ProcessClientKeyExchange(state, body);
        TlsHandshakeHash beforeVerify = BcInternals.StopTracking(flight);
        BcInternals.SetSessionHash(parameters, BcInternals.PrfHash(context, beforeVerify));
        BcInternals.EstablishMasterSecret(context, keyExchange);
        TlsCipher cipher = server.GetCipher();
        BcInternals.InitPendingEpoch(recordLayer, cipher);
        if (ExpectCertificateVerifyMessage(state))
        {
            (type, body) = BcInternals.Receive(flight);
            if (type != HandshakeType.certificate_verify)
            {
                throw new TlsFatalAlert(AlertDescription.unexpected_message);
            }

            ProcessCertificateVerify(state, body, beforeVerify);
        }

        byte[] expectedClientFinished = BcInternals.VerifyData(context, ExporterLabel.client_finished, BcInternals.PrfHash(context, BcInternals.Hash(flight)));
        (type, body) = BcInternals.Receive(flight);
        if (type != HandshakeType.finished)
        {
            throw new TlsFatalAlert(AlertDescription.unexpected_message);
        }

        ProcessFinished(body, expectedClientFinished);

        // Flight 6: ChangeCipherSpec, Finished.
        beforeFinalFlight();
        byte[] serverFinished = BcInternals.VerifyData(context, ExporterLabel.server_finished, BcInternals.PrfHash(context, BcInternals.Hash(flight)));
        BcInternals.Send(flight, HandshakeType.finished, serverFinished);
        server.NotifyHandshakeComplete();
        return new HandshakeSecrets(parameters.CipherSuite, (ushort)context.ServerVersion.FullVersion, cipher,
            (byte[])parameters.MasterSecret.Clone(), (byte[])parameters.ClientRandom.Clone(), (byte[])parameters.ServerRandom.Clone());
    }
}
