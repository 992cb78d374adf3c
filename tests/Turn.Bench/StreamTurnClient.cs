using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Turn.Protocol;

namespace Turn.Bench;

/// <summary>
/// One TURN client over TCP or TLS for the stream relay benchmark. Setup: Allocate (UDP relay, long-term
/// credentials: the 401, then USERNAME/REALM/NONCE/MESSAGE-INTEGRITY; 438 retries with the new nonce) and
/// ChannelBind of <see cref="RelayWire.Channel"/> to this client's echo peer, one transaction at a time.
/// Traffic (<see cref="RunAsync"/>): a closed loop of ChannelData messages, padded to 4 bytes as RFC 8656 §12.5
/// (RFC 5766 §11.5) requires over a stream, with <c>window</c> messages in flight: the bytes read go into one big
/// buffer, frames are parsed in place, and every message that comes back (after client → relay → peer → relay
/// → client) frees its slot for a new one; all replacements from one read leave in one write. A message
/// unanswered after the timeout (lost on the UDP leg) is replaced by <see cref="KickAsync"/>.
/// </summary>
internal sealed class StreamTurnClient : IDisposable
{
    private const int ReadBufferSize = 256 * 1024;

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly object _gate = new();
    private readonly byte[] _rbuf = new byte[ReadBufferSize];
    private readonly byte[] _ctl = new byte[2048];
    private int _rend;

    private byte[] _realm = [];
    private byte[] _nonce = [];
    private byte[] _key = [];

    // traffic
    private int _index, _window, _payload, _frameLen;
    private uint _runNonce;
    private byte[] _out = [];
    private byte[] _kick = [];
    private uint[] _gen = [];
    private long[] _sentAt = [];
    private long _rxMessages, _rxBytes, _lost, _late, _foreign;
    private volatile bool _stop;

    private StreamTurnClient(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
    }

    /// <summary>Negotiated TLS version and cipher suite (null over TCP).</summary>
    public SslProtocols? TlsProtocol => (_stream as SslStream)?.SslProtocol;

    public TlsCipherSuite? TlsCipher => (_stream as SslStream)?.NegotiatedCipherSuite;

    public StunAddress Relayed { get; private set; }

    /// <summary>Messages (and their payload bytes) relayed peer → client so far.</summary>
    public long RxMessages => Volatile.Read(ref _rxMessages);

    public long RxBytes => Volatile.Read(ref _rxBytes);

    public long Lost => Volatile.Read(ref _lost);

    public long Late => Volatile.Read(ref _late);

    public long Foreign => Volatile.Read(ref _foreign);

    /// <summary>Why the traffic loop ended early (connection closed, unparseable stream), or null.</summary>
    public string? Failure { get; private set; }

    /// <summary>
    /// Connects (retrying refused connections until <paramref name="timeoutMs"/>: the listener may open a moment
    /// after the server answers on UDP) and, with <paramref name="tls"/>, runs the TLS handshake offering
    /// <paramref name="tlsVersions"/>. With <paramref name="expectedCert"/> the server must present exactly that certificate.
    /// </summary>
    public static async Task<StreamTurnClient> ConnectAsync(IPEndPoint server, bool tls, SslProtocols tlsVersions, X509Certificate2? expectedCert, int timeoutMs)
    {
        long deadline = Environment.TickCount64 + timeoutMs;
        Socket socket;
        while (true)
        {
            socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                using var cts = new CancellationTokenSource(Math.Max(1, (int)(deadline - Environment.TickCount64)));
                await socket.ConnectAsync(server, cts.Token).ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused } && Environment.TickCount64 < deadline)
            {
                socket.Dispose();
                await Task.Delay(50).ConfigureAwait(false);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        Stream stream = new NetworkStream(socket, ownsSocket: true);
        if (tls)
        {
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = server.Address.ToString(),
                EnabledSslProtocols = tlsVersions, // None: the system's choice, TLS 1.3 when both sides have it
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                    expectedCert is null || (cert is not null && cert.GetRawCertData().AsSpan().SequenceEqual(expectedCert.RawData)),
            };
            using var cts = new CancellationTokenSource(Math.Max(1000, (int)(deadline - Environment.TickCount64)));
            try
            {
                await ssl.AuthenticateAsClientAsync(options, cts.Token).ConfigureAwait(false);
            }
            catch
            {
                await ssl.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            stream = ssl;
        }
        return new StreamTurnClient(socket, stream);
    }

    // ---------------------------------------------------------------- setup: Allocate + ChannelBind

    private enum Request { AllocPlain, AllocAuth, Bind }

    /// <summary>Allocate a UDP relay (the 401 first) and bind the channel to <paramref name="peer"/>.</summary>
    public async Task AllocateAndBindAsync(string user, string password, IPEndPoint peer, int timeoutMs)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        var peerAddress = StunAddress.FromIPEndPoint(peer);
        Request step = Request.AllocPlain;
        for (int attempt = 0; attempt < 6; attempt++)
        {
            byte[] txid = new byte[Stun.TransactionIdLength];
            Random.Shared.NextBytes(txid);
            int len = Build(step, txid, user, password, peerAddress);
            byte[] response = await TransactAsync(len, txid, cts.Token).ConfigureAwait(false);
            (bool success, int code) = Outcome(response, user, password);
            if (success)
            {
                if (step == Request.Bind) return;
                Relayed = RelayedAddress(response);
                step = Request.Bind;
                continue;
            }
            if (code == 401 && step == Request.AllocPlain)
            {
                step = Request.AllocAuth;
                continue;
            }
            if (code == 438) continue; // stale nonce: Outcome kept the new one
            throw new InvalidOperationException($"{step} failed with error {code}");
        }
        throw new InvalidOperationException("Allocate/ChannelBind did not complete (too many 438s)");
    }

    private int Build(Request step, byte[] txid, string user, string password, in StunAddress peer)
    {
        var w = new StunMessageWriter(_ctl);
        if (step == Request.Bind)
        {
            w.WriteHeader(StunMethod.ChannelBind, StunClass.Request, txid);
            w.AddChannelNumber(RelayWire.Channel);
            w.AddXorAddress(StunAttributeType.XorPeerAddress, peer);
        }
        else
        {
            w.WriteHeader(StunMethod.Allocate, StunClass.Request, txid);
            w.AddRequestedTransport(17); // UDP relay (RFC 8656 §7.1)
        }
        if (step != Request.AllocPlain)
        {
            w.AddUsername(user);
            w.AddUtf8(StunAttributeType.Realm, _realm);
            w.AddUtf8(StunAttributeType.Nonce, _nonce);
            w.AddMessageIntegrity(_key);
        }
        if (w.Overflowed) throw new InvalidOperationException("request did not fit");
        return w.Length;
    }

    /// <summary>Success, or the error code; a 401/438 leaves its REALM and NONCE (and the key) for the next request.</summary>
    private (bool Success, int Code) Outcome(byte[] response, string user, string password)
    {
        if (StunMessage.TryParse(response, out StunMessage msg) != StunParseStatus.Ok) return (false, 0);
        if (msg.IsSuccessResponse) return (true, 0);
        msg.TryGetErrorCode(out int code, out _);
        if (code is 401 or 438 && msg.TryGetAttribute(StunAttributeType.Nonce, out ReadOnlySpan<byte> nonce))
        {
            _nonce = nonce.ToArray();
            if (msg.TryGetAttribute(StunAttributeType.Realm, out ReadOnlySpan<byte> realm) && !realm.SequenceEqual(_realm))
            {
                _realm = realm.ToArray();
                _key = StunKeys.LongTermMd5(user, Encoding.UTF8.GetString(_realm), password);
            }
        }
        return (false, code);
    }

    private static StunAddress RelayedAddress(byte[] response)
    {
        StunMessage.TryParse(response, out StunMessage msg);
        return msg.TryGetXorAddress(StunAttributeType.XorRelayedAddress, out StunAddress relayed)
            ? relayed
            : throw new InvalidOperationException("Allocate success without XOR-RELAYED-ADDRESS");
    }

    /// <summary>Sends the request in <see cref="_ctl"/> and returns the STUN message answering it (a copy).</summary>
    private async Task<byte[]> TransactAsync(int length, byte[] txid, CancellationToken ct)
    {
        await _stream.WriteAsync(_ctl.AsMemory(0, length), ct).ConfigureAwait(false);
        while (true)
        {
            while (true)
            {
                StreamFrameKind kind = StreamFraming.GetFrame(_rbuf.AsSpan(0, _rend), out int frame);
                if (kind == StreamFrameKind.NeedMore) break;
                if (kind == StreamFrameKind.Invalid) throw new InvalidOperationException("the server sent bytes that are neither STUN nor ChannelData");
                byte[]? mine = kind == StreamFrameKind.Stun && _rbuf.AsSpan(8, Stun.TransactionIdLength).SequenceEqual(txid)
                    ? _rbuf.AsSpan(0, frame).ToArray()
                    : null;
                Consume(frame);
                if (mine is not null) return mine;
            }
            int n = await _stream.ReadAsync(_rbuf.AsMemory(_rend), ct).ConfigureAwait(false);
            if (n == 0) throw new InvalidOperationException("the server closed the connection");
            _rend += n;
        }
    }

    private void Consume(int frame)
    {
        int rest = _rend - frame;
        if (rest > 0) Buffer.BlockCopy(_rbuf, frame, _rbuf, 0, rest);
        _rend = rest;
    }

    // ---------------------------------------------------------------- traffic: closed loop of ChannelData

    /// <summary>Prepares the loop: client number <paramref name="index"/>, <paramref name="window"/> messages in flight.</summary>
    public void PrepareTraffic(int index, int window, int payload, uint runNonce)
    {
        _index = index;
        _window = window;
        _payload = payload;
        _runNonce = runNonce;
        _frameLen = ChannelData.GetMessageLength(payload, pad: true);
        _out = new byte[window * _frameLen];
        _kick = new byte[window * _frameLen];
        for (int s = 0; s < window; s++)
        {
            RelayWire.WriteChannelHeader(_out.AsSpan(s * _frameLen), payload);
            RelayWire.WriteChannelHeader(_kick.AsSpan(s * _frameLen), payload);
        }
        _gen = new uint[window];
        _sentAt = new long[window];
    }

    /// <summary>Writes a fresh message for slot <paramref name="slot"/> as frame <paramref name="k"/> of <paramref name="buf"/>.</summary>
    private void Stamp(byte[] buf, int k, int slot, long now)
    {
        uint gen = ++_gen[slot];
        _sentAt[slot] = now;
        RelayWire.WritePayloadHead(buf.AsSpan((k * _frameLen) + RelayWire.ChannelHeader, RelayWire.MinPayload), _runNonce, _index, slot, 1, gen, now);
    }

    private async Task WriteFramesAsync(byte[] buf, int frames)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(buf.AsMemory(0, frames * _frameLen)).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The loop: fill the window, then read, parse in place, send one new message per returned one.</summary>
    public async Task RunAsync()
    {
        try
        {
            long start = Stopwatch.GetTimestamp();
            lock (_gate)
            {
                for (int s = 0; s < _window; s++) Stamp(_out, s, s, start);
            }
            await WriteFramesAsync(_out, _window).ConfigureAwait(false);
            while (!_stop)
            {
                int n = await _stream.ReadAsync(_rbuf.AsMemory(_rend)).ConfigureAwait(false);
                if (n == 0)
                {
                    if (!_stop) Failure ??= "the server closed the connection";
                    return;
                }
                _rend += n;
                int k = Parse();
                if (k < 0)
                {
                    Failure ??= "the server sent bytes that are neither STUN nor ChannelData";
                    return;
                }
                if (k > 0) await WriteFramesAsync(_out, k).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (_stop || e is IOException or ObjectDisposedException or SocketException or OperationCanceledException)
        {
            // Whatever a stream closed under a pending read throws is the normal end; before that it is a failure.
            if (!_stop) Failure ??= e.Message;
        }
    }

    /// <summary>Handles every complete frame in the read buffer; returns the number of replacements stamped into
    /// <see cref="_out"/>, or -1 when the stream cannot be parsed.</summary>
    private int Parse()
    {
        int pos = 0, k = 0;
        lock (_gate)
        {
            long now = Stopwatch.GetTimestamp();
            while (true)
            {
                ReadOnlySpan<byte> rest = _rbuf.AsSpan(pos, _rend - pos);
                StreamFrameKind kind = StreamFraming.GetFrame(rest, out int frame);
                if (kind == StreamFrameKind.NeedMore) break;
                if (kind == StreamFrameKind.Invalid) return -1;
                if (kind == StreamFrameKind.ChannelData) k = OnChannelData(rest[..frame], k, now);
                pos += frame; // a STUN message here (none is expected) is skipped
            }
        }
        Consume(pos);
        return k;
    }

    private int OnChannelData(ReadOnlySpan<byte> frame, int k, long now)
    {
        int length = (frame[2] << 8) | frame[3];
        if (frame[0] != (RelayWire.Channel >> 8) || frame[1] != (RelayWire.Channel & 0xFF) || length != _payload)
        {
            _foreign++;
            return k;
        }
        ReadOnlySpan<byte> head = frame.Slice(RelayWire.ChannelHeader, RelayWire.MinPayload);
        int slot = RelayWire.Slot(head);
        if (RelayWire.Nonce(head) != _runNonce || RelayWire.Client(head) != _index || (uint)slot >= (uint)_window)
        {
            _foreign++;
            return k;
        }
        if (RelayWire.Gen(head) != _gen[slot])
        {
            _late++; // already replaced after a timeout
            return k;
        }
        _rxMessages++;
        _rxBytes += _payload;
        Stamp(_out, k, slot, now);
        return k + 1;
    }

    /// <summary>Replaces the messages unanswered for longer than <paramref name="timeoutTicks"/> (counted as lost).</summary>
    public async Task KickAsync(long timeoutTicks)
    {
        int k = 0;
        lock (_gate)
        {
            long now = Stopwatch.GetTimestamp();
            for (int s = 0; s < _window; s++)
            {
                if (now - _sentAt[s] <= timeoutTicks) continue;
                _lost++;
                Stamp(_kick, k++, s, now);
            }
        }
        if (k == 0) return;
        try
        {
            await WriteFramesAsync(_kick, k).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            Failure ??= e.Message;
        }
    }

    public void Dispose()
    {
        _stop = true;
        _stream.Dispose();
        _socket.Dispose();
    }
}
