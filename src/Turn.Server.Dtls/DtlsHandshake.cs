using Org.BouncyCastle.Crypto.Tls;
using Org.BouncyCastle.Security;
using Turn.Protocol;
using Turn.Server.Dtls.Bc;

namespace Turn.Server.Dtls;

/// <summary>
/// One server handshake for a client whose cookie checked out, run by BouncyCastle (blocking) on
/// a thread of its own, fed with the client's datagrams by the relay worker that owns the
/// client. When it ends, <c>onDone</c> runs on the handshake thread (the worker is expected to
/// post itself the follow-up); <see cref="Protection"/> then holds the session's record layer,
/// or <see cref="Failure"/> says why there is none.
/// </summary>
public sealed class DtlsHandshake
{
    private readonly DtlsServerContext _server;
    private readonly QueueDatagramTransport _transport;
    private readonly int _firstMessageSeq;
    private readonly StunAddress _client;
    private int _started;

    /// <summary>
    /// Creates the handshake for <paramref name="hello"/> (already cookie-checked) from <paramref name="client"/>, which
    /// holds a slot from <see cref="DtlsServerContext.TryEnterHandshake"/> (given back when the handshake ends, or
    /// when <see cref="TryStart"/> fails), and queues that ClientHello as its first datagram.
    /// </summary>
    public DtlsHandshake(DtlsServerContext server, IDtlsDatagramSender sender, in ClientHelloView hello, in StunAddress client)
    {
        ArgumentNullException.ThrowIfNull(server);
        _server = server;
        _client = client;
        _firstMessageSeq = hello.MessageSequence;
        ClientRandom = hello.Random.ToArray();
        long deadline = Environment.TickCount64 + (long)server.Options.HandshakeTimeout.TotalMilliseconds;
        _transport = new QueueDatagramTransport(sender, hello.RecordSequence, deadline, server.Options.HandshakeMtu);
        _transport.Offer(hello.Record);
    }

    /// <summary>The ClientHello's random: a later ClientHello with the same one is a retransmission, not a new session.</summary>
    public byte[] ClientRandom { get; }

    /// <summary>Set when the handshake succeeded.</summary>
    public DtlsRecordProtection? Protection { get; private set; }

    /// <summary>The server's last flight (ChangeCipherSpec, Finished), to resend when the client repeats its own.</summary>
    public IReadOnlyList<byte[]> FinalFlight => _transport.FinalFlight;

    /// <summary>Why the handshake failed (null on success).</summary>
    public string? Failure { get; private set; }

    /// <summary>
    /// Queues a datagram from the client for the handshake (relay worker thread; copies it,
    /// never blocks). False when the queue is full or the handshake is over.
    /// </summary>
    public bool Offer(ReadOnlySpan<byte> datagram) => _transport.Offer(datagram);

    /// <summary>After the end: a datagram that arrived too late for the handshake (e.g. the client's first application data).</summary>
    public bool TryTakeQueued(out byte[] datagram) => _transport.TryTakeQueued(out datagram);

    /// <summary>
    /// Starts the handshake thread; false (nothing started, the slot given back) when no thread could be made.
    /// <paramref name="onDone"/> runs once on that thread when the handshake ends either way.
    /// </summary>
    public bool TryStart(Action<DtlsHandshake> onDone)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            return false;
        }

        var thread = new Thread(() => Run(onDone), 256 * 1024) { IsBackground = true, Name = "dtls-handshake" };
        try
        {
            thread.Start();
        }
        catch (OutOfMemoryException)
        {
            _server.ExitHandshake(_client);
            return false;
        }

        return true;
    }

    /// <summary>Stops a running handshake (session closed): its thread ends at its next wait.</summary>
    public void Abort() => _transport.Close();

    private void Run(Action<DtlsHandshake> onDone)
    {
        var tlsServer = new TurnTlsServer(_server.Credentials, _server.Suites, _server.Options.ClientCas, _server.Options.AllowDtls10, _server.Options.AllowDtls12);
        try
        {
            var protocol = new CookieVerifiedServerProtocol(new SecureRandom());
            HandshakeSecrets secrets = protocol.Run(tlsServer, _transport, _firstMessageSeq, _transport.BeginFinalFlight);
            Protection = CreateProtection(secrets, (ulong)(_transport.MaxEpoch1Sequence + 1));
        }
        catch (Exception e) when (e is TlsFatalAlert or IOException or DtlsHandshakeAbortedException or InvalidOperationException or ArgumentException)
        {
            string alert = tlsServer.LastAlert is { } a ? $" ({a})" : "";
            Failure = e is TlsFatalAlert fatal ? $"alert {AlertDescription.GetText(fatal.AlertDescription)}{alert}" : e.Message + alert;
        }
        catch (Exception e)
        {
            Failure = $"unexpected {e.GetType().Name}: {e.Message}";
        }
        finally
        {
            if (Protection is null)
            {
                _transport.Close(); // after a success the queue stays open: the client's first requests may already be coming
            }

            _server.ExitHandshake(_client);
            onDone(this);
        }
    }

    private static DtlsRecordProtection CreateProtection(HandshakeSecrets secrets, ulong firstWriteSequence)
    {
        DtlsCipherSuite suite = DtlsCipherSuites.Find(secrets.CipherSuite)
                                ?? throw new InvalidOperationException($"negotiated cipher suite 0x{secrets.CipherSuite:X4} is not one of ours");
        try
        {
            if (!suite.IsAead || secrets.Version != DtlsWire.Dtls12)
            {
                return new BcRecordProtection(suite, secrets.Version, 1, secrets.Cipher, firstWriteSequence);
            }

            (byte[] clientKey, byte[] serverKey, byte[] clientIv, byte[] serverIv) =
                DtlsKeySchedule.Expand(suite, secrets.MasterSecret, secrets.ClientRandom, secrets.ServerRandom);
            return new AeadRecordProtection(suite, 1, clientKey, clientIv, serverKey, serverIv, firstWriteSequence);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secrets.MasterSecret);
        }
    }
}
