using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Turn.Protocol;

namespace Turn.Client.Turn;

/// <summary>
/// A TURN client (RFC 8656) over one UDP socket or TCP connection to the server: Allocate, Refresh,
/// CreatePermission, ChannelBind as request/response transactions with long-term authentication (the first
/// request goes out unsigned, a 401 supplies realm and nonce, a 438 a fresh nonce, and the request is sent again),
/// and Send indications / ChannelData for the data. Every request has a synchronous and an asynchronous form; the
/// synchronous one only uses blocking calls (Poll/Receive), so a socket driven that way is never registered with
/// .NET's asynchronous I/O engine and can be handed to a native event loop afterwards (see <see cref="Socket"/>).
/// One transaction at a time: the class is not thread-safe.
/// </summary>
public sealed class TurnClient : IDisposable
{
    private const int ReceiveBufferSize = 65_536 + 4;
    private delegate int RequestWriter(Span<byte> buffer, ReadOnlySpan<byte> transactionId, TurnAuthenticator auth);

    private readonly byte[] _request = new byte[ReceiveBufferSize];
    private readonly byte[] _frame = new byte[ReceiveBufferSize];
    private readonly byte[] _stream;
    private readonly bool _ownsSocket;
    private int _streamLength;
    private bool _connected;

    /// <summary>
    /// Creates a socket for <paramref name="transport"/>, bound to <paramref name="localEndPoint"/> if given. A UDP
    /// socket is connected to the server at once (no packet is sent); a TCP one connects on the first request or
    /// on <see cref="Connect"/> / <see cref="ConnectAsync"/>.
    /// </summary>
    /// <exception cref="SocketException">The bind failed.</exception>
    public TurnClient(IPEndPoint server, TurnCredentials? credentials, StunTransport transport = StunTransport.Udp,
        IPEndPoint? localEndPoint = null, StunClientOptions? timing = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        Server = server;
        Transport = transport;
        Timing = timing ?? StunClientOptions.Default;
        Authenticator = new TurnAuthenticator(credentials);
        _stream = transport == StunTransport.Tcp ? new byte[2 * ReceiveBufferSize] : [];
        Socket = transport == StunTransport.Tcp
            ? new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
            : new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _ownsSocket = true;
        try
        {
            if (localEndPoint is not null)
            {
                Socket.Bind(localEndPoint);
            }

            if (transport == StunTransport.Udp)
            {
                Socket.Connect(server);
                _connected = true;
            }
        }
        catch
        {
            Socket.Dispose();
            throw;
        }
    }

    /// <summary>Uses an existing socket (UDP, or TCP connected or not) to talk to <paramref name="server"/>.</summary>
    public TurnClient(Socket socket, IPEndPoint server, TurnCredentials? credentials, StunClientOptions? timing = null, bool ownsSocket = false)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(server);
        Socket = socket;
        Server = server;
        Transport = socket.SocketType == SocketType.Stream ? StunTransport.Tcp : StunTransport.Udp;
        Timing = timing ?? StunClientOptions.Default;
        Authenticator = new TurnAuthenticator(credentials);
        _stream = Transport == StunTransport.Tcp ? new byte[2 * ReceiveBufferSize] : [];
        _ownsSocket = ownsSocket;
        _connected = socket.Connected;
    }

    /// <summary>
    /// The socket. After the control transactions it may be used directly for data (e.g. non-blocking sends and
    /// receives from an event loop); for TCP the caller then owns the framing of what it reads.
    /// </summary>
    public Socket Socket { get; }

    /// <summary>The TURN server.</summary>
    public IPEndPoint Server { get; }

    /// <summary>UDP or TCP to the server.</summary>
    public StunTransport Transport { get; }

    /// <summary>Retransmission schedule (UDP) and timeout (TCP) of each transaction.</summary>
    public StunClientOptions Timing { get; }

    /// <summary>Realm, nonce and key of the long-term credentials.</summary>
    public TurnAuthenticator Authenticator { get; }

    /// <summary>How many 401/438 answers one request may draw before the error is reported (default 3).</summary>
    public int MaxAuthenticationRetries { get; set; } = 3;

    /// <summary>ORIGIN attributes added to every request.</summary>
    public IReadOnlyList<string> Origins { get; set; } = [];

    /// <summary>
    /// Called with every datagram (TCP: frame) received while waiting for a response that is not that response
    /// (relayed data, late answers). The memory is only valid during the call.
    /// </summary>
    public Action<ReadOnlyMemory<byte>>? Unmatched { get; set; }

    /// <summary>The last successful allocation, or null.</summary>
    public TurnAllocation? Allocation { get; private set; }

    /// <summary>Our local address, once bound.</summary>
    public IPEndPoint? LocalEndPoint => Socket.LocalEndPoint as IPEndPoint;

    /// <summary>
    /// Connects the socket to the server now (no-op when already connected): instant for UDP, the handshake for TCP
    /// (bounded by the TCP transaction timeout). Synchronous calls only, so the socket stays unregistered with .NET's
    /// asynchronous engine.
    /// </summary>
    /// <exception cref="StunTimeoutException">The TCP handshake did not complete in time.</exception>
    /// <exception cref="SocketException">The connection was refused or failed.</exception>
    public void Connect()
    {
        if (_connected)
        {
            return;
        }

        if (Transport == StunTransport.Udp)
        {
            Socket.Connect(Server);
            _connected = true;
            return;
        }

        bool blocking = Socket.Blocking;
        Socket.Blocking = false;
        try
        {
            try
            {
                Socket.Connect(Server);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
            {
                if (!Socket.Poll(Timing.TcpTransactionTimeout, SelectMode.SelectWrite))
                {
                    throw new StunTimeoutException(Server, Transport, 1, Timing.TcpTransactionTimeout);
                }

                var error = (SocketError)(int)Socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
                if (error != SocketError.Success)
                {
                    throw new SocketException((int)error);
                }
            }
        }
        finally
        {
            Socket.Blocking = blocking;
        }

        _connected = true;
    }

    /// <summary>Opens the TCP connection now (no-op for UDP or when already connected).</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        if (_connected)
        {
            return;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(Timing.TcpTransactionTimeout);
        try
        {
            await Socket.ConnectAsync(Server, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StunTimeoutException(Server, Transport, 1, Timing.TcpTransactionTimeout);
        }

        _connected = true;
    }

    /// <summary>Allocate (RFC 8656 §7): returns the relayed address(es).</summary>
    /// <exception cref="TurnErrorException">The server refused (after authentication retries).</exception>
    /// <exception cref="StunTimeoutException">No answer.</exception>
    /// <exception cref="SocketException">A hard network error, e.g. ConnectionRefused (ICMP port unreachable).</exception>
    public TurnAllocation Allocate(TurnAllocateOptions? options = null)
        => AllocateCoreAsync(options ?? TurnAllocateOptions.Default, useAsync: false, default).GetAwaiter().GetResult();

    /// <inheritdoc cref="Allocate"/>
    public Task<TurnAllocation> AllocateAsync(TurnAllocateOptions? options = null, CancellationToken cancellationToken = default)
        => AllocateCoreAsync(options ?? TurnAllocateOptions.Default, useAsync: true, cancellationToken).AsTask();

    /// <summary>Refresh (RFC 8656 §7.2): returns the granted lifetime; 0 deletes the allocation.</summary>
    public uint Refresh(uint lifetime, StunAddressFamily? family = null)
        => RefreshCoreAsync(lifetime, family, useAsync: false, default).GetAwaiter().GetResult();

    /// <inheritdoc cref="Refresh"/>
    public Task<uint> RefreshAsync(uint lifetime, StunAddressFamily? family = null, CancellationToken cancellationToken = default)
        => RefreshCoreAsync(lifetime, family, useAsync: true, cancellationToken).AsTask();

    /// <summary>CreatePermission (RFC 8656 §9) for the IP addresses of <paramref name="peers"/>.</summary>
    public void CreatePermission(IReadOnlyList<StunAddress> peers)
        => CreatePermissionCoreAsync(peers, useAsync: false, default).GetAwaiter().GetResult();

    /// <inheritdoc cref="CreatePermission"/>
    public Task CreatePermissionAsync(IReadOnlyList<StunAddress> peers, CancellationToken cancellationToken = default)
        => CreatePermissionCoreAsync(peers, useAsync: true, cancellationToken).AsTask();

    /// <summary>ChannelBind (RFC 8656 §12): binds <paramref name="channel"/> to <paramref name="peer"/> (also installs the permission).</summary>
    public void ChannelBind(ushort channel, StunAddress peer)
        => ChannelBindCoreAsync(channel, peer, useAsync: false, default).GetAwaiter().GetResult();

    /// <inheritdoc cref="ChannelBind"/>
    public Task ChannelBindAsync(ushort channel, StunAddress peer, CancellationToken cancellationToken = default)
        => ChannelBindCoreAsync(channel, peer, useAsync: true, cancellationToken).AsTask();

    /// <summary>Deletes the allocation (Refresh with lifetime 0); an allocation already gone (437) is not an error.</summary>
    public void Deallocate()
    {
        try
        {
            Refresh(0);
        }
        catch (TurnErrorException e) when (e.Code == StunErrorCode.AllocationMismatch)
        {
        }

        Allocation = null;
    }

    /// <summary>Sends <paramref name="data"/> on <paramref name="channel"/> (padded to 4 bytes over TCP). Returns the bytes sent.</summary>
    public int SendChannelData(ushort channel, ReadOnlySpan<byte> data)
    {
        Span<byte> buffer = _request;
        if (!ChannelData.TryWrite(buffer, channel, data, pad: Transport == StunTransport.Tcp, out int length))
        {
            throw new ArgumentException("The data is too long for a ChannelData message.", nameof(data));
        }

        return SendAll(buffer[..length]);
    }

    /// <summary>Sends <paramref name="data"/> to <paramref name="peer"/> in a Send indication. Returns the bytes sent.</summary>
    public int SendIndication(StunAddress peer, ReadOnlySpan<byte> data, bool dontFragment = false)
    {
        Span<byte> transactionId = stackalloc byte[Stun.TransactionIdLength];
        TurnMessages.NewTransactionId(transactionId);
        int length = TurnMessages.WriteSendIndication(_request, transactionId, peer, data, dontFragment);
        return SendAll(_request.AsSpan(0, length));
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the next datagram (TCP: frame) from the server and copies it into
    /// <paramref name="destination"/>. Returns its length, or -1 on timeout. Use <see cref="TurnMessages.TryReadData"/> on it.
    /// </summary>
    public int Receive(Span<byte> destination, TimeSpan timeout)
    {
        int n = ReceiveOne(timeout);
        if (n < 0)
        {
            return -1;
        }

        _frame.AsSpan(0, n).CopyTo(destination);
        return n;
    }

    /// <inheritdoc cref="Receive"/>
    public async Task<int> ReceiveAsync(Memory<byte> destination, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        int n = await ReceiveOneAsync(timeout, cancellationToken).ConfigureAwait(false);
        if (n < 0)
        {
            return -1;
        }

        _frame.AsMemory(0, n).CopyTo(destination);
        return n;
    }

    /// <summary>Closes the socket if this instance created it or was told it owns it.</summary>
    public void Dispose()
    {
        if (_ownsSocket)
        {
            Socket.Dispose();
        }
    }

    private async ValueTask<TurnAllocation> AllocateCoreAsync(TurnAllocateOptions options, bool useAsync, CancellationToken ct)
    {
        int length = await RunAsync(StunMethod.Allocate,
            (buffer, id, auth) => TurnMessages.WriteAllocate(buffer, id, options, auth), useAsync, ct).ConfigureAwait(false);
        TurnAllocation allocation = ReadAllocation(_frame.AsSpan(0, length));
        Allocation = allocation;
        return allocation;
    }

    private async ValueTask<uint> RefreshCoreAsync(uint lifetime, StunAddressFamily? family, bool useAsync, CancellationToken ct)
    {
        int length = await RunAsync(StunMethod.Refresh,
            (buffer, id, auth) => TurnMessages.WriteRefresh(buffer, id, lifetime, family, auth, Origins), useAsync, ct).ConfigureAwait(false);
        return ReadLifetime(_frame.AsSpan(0, length), lifetime);
    }

    private async ValueTask CreatePermissionCoreAsync(IReadOnlyList<StunAddress> peers, bool useAsync, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(peers);
        StunAddress[] list = [.. peers];
        await RunAsync(StunMethod.CreatePermission,
            (buffer, id, auth) => TurnMessages.WriteCreatePermission(buffer, id, list, auth, Origins), useAsync, ct).ConfigureAwait(false);
    }

    private async ValueTask ChannelBindCoreAsync(ushort channel, StunAddress peer, bool useAsync, CancellationToken ct)
    {
        await RunAsync(StunMethod.ChannelBind,
            (buffer, id, auth) => TurnMessages.WriteChannelBind(buffer, id, channel, peer, auth, Origins), useAsync, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends the request until a success response arrives; answers 401/438 with the new nonce. Returns the length of
    /// the success response, left in <see cref="_frame"/>.
    /// </summary>
    private async ValueTask<int> RunAsync(StunMethod method, RequestWriter write, bool useAsync, CancellationToken ct)
    {
        int challenges = 0;
        byte[] transactionId = new byte[Stun.TransactionIdLength];
        while (true)
        {
            TurnMessages.NewTransactionId(transactionId);
            int requestLength = write(_request, transactionId, Authenticator);
            int length = useAsync
                ? await TransactAsync(method, requestLength, transactionId, ct).ConfigureAwait(false)
                : Transact(method, requestLength, transactionId);

            var outcome = Classify(_frame.AsSpan(0, length), method, challenges < MaxAuthenticationRetries, out TurnErrorException? error);
            switch (outcome)
            {
                case Outcome.Success:
                    return length;
                case Outcome.Retry:
                    challenges++;
                    continue;
                default:
                    throw error!;
            }
        }
    }

    private enum Outcome
    {
        Success,
        Retry,
        Error,
    }

    private Outcome Classify(ReadOnlySpan<byte> response, StunMethod method, bool mayRetry, out TurnErrorException? error)
    {
        error = null;
        StunMessage.TryParse(response, out StunMessage message);
        if (message.Class == StunClass.SuccessResponse)
        {
            return Outcome.Success;
        }

        int code = StunErrorCode.ServerError;
        string reason = "no ERROR-CODE";
        if (message.TryGetErrorCode(out int c, out ReadOnlySpan<byte> reasonUtf8))
        {
            code = c;
            reason = reasonUtf8.IsEmpty ? StunErrorCode.DefaultReason(c) : System.Text.Encoding.UTF8.GetString(reasonUtf8);
        }

        if ((code == StunErrorCode.Unauthorized || code == StunErrorCode.StaleNonce)
            && mayRetry && Authenticator.Credentials is not null && Authenticator.TryApplyChallenge(message))
        {
            return Outcome.Retry;
        }

        StunAddress? alternate = message.TryGetAddress(StunAttributeType.AlternateServer, out StunAddress a) ? a : null;
        error = new TurnErrorException(method, code, reason, alternate);
        return Outcome.Error;
    }

    /// <summary>True when <paramref name="packet"/> is the (verified) response to our transaction.</summary>
    private bool IsResponse(ReadOnlySpan<byte> packet, StunMethod method, ReadOnlySpan<byte> transactionId)
    {
        if (StunMessage.TryParse(packet, out StunMessage message) != StunParseStatus.Ok
            || message.Method != method
            || (message.Class != StunClass.SuccessResponse && message.Class != StunClass.ErrorResponse)
            || !message.TransactionId.SequenceEqual(transactionId))
        {
            return false;
        }

        if (message.HasFingerprint && !StunIntegrity.VerifyFingerprint(message))
        {
            return false;
        }

        return Authenticator.VerifyResponse(message);
    }

    private int Transact(StunMethod method, int requestLength, byte[] transactionId)
    {
        Connect();
        var clock = Stopwatch.StartNew();
        int transmissions = 0;
        if (Transport == StunTransport.Tcp)
        {
            SendAll(_request.AsSpan(0, requestLength));
            transmissions = 1;
            TimeSpan deadline = Timing.TcpTransactionTimeout;
            while (clock.Elapsed < deadline)
            {
                int n = ReceiveOne(deadline - clock.Elapsed);
                if (n >= 0 && Matches(n, method, transactionId))
                {
                    return n;
                }
            }
        }
        else
        {
            IReadOnlyList<TimeSpan> schedule = Timing.GetUdpSchedule();
            for (int i = 0; i < schedule.Count; i++)
            {
                if (i > 0 && Timing.Timeout is { } cap && clock.Elapsed >= cap)
                {
                    break;
                }

                SendAll(_request.AsSpan(0, requestLength));
                transmissions++;
                TimeSpan waitEnd = WaitEnd(clock, schedule[i]);
                while (clock.Elapsed < waitEnd)
                {
                    int n = ReceiveOne(waitEnd - clock.Elapsed);
                    if (n >= 0 && Matches(n, method, transactionId))
                    {
                        return n;
                    }
                }
            }
        }

        throw new StunTimeoutException(Server, Transport, transmissions, clock.Elapsed);
    }

    private async ValueTask<int> TransactAsync(StunMethod method, int requestLength, byte[] transactionId, CancellationToken ct)
    {
        await ConnectAsync(ct).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        int transmissions = 0;
        if (Transport == StunTransport.Tcp)
        {
            await SendAllAsync(requestLength, ct).ConfigureAwait(false);
            transmissions = 1;
            TimeSpan deadline = Timing.TcpTransactionTimeout;
            while (clock.Elapsed < deadline)
            {
                int n = await ReceiveOneAsync(deadline - clock.Elapsed, ct).ConfigureAwait(false);
                if (n >= 0 && Matches(n, method, transactionId))
                {
                    return n;
                }
            }
        }
        else
        {
            IReadOnlyList<TimeSpan> schedule = Timing.GetUdpSchedule();
            for (int i = 0; i < schedule.Count; i++)
            {
                if (i > 0 && Timing.Timeout is { } cap && clock.Elapsed >= cap)
                {
                    break;
                }

                await SendAllAsync(requestLength, ct).ConfigureAwait(false);
                transmissions++;
                TimeSpan waitEnd = WaitEnd(clock, schedule[i]);
                while (clock.Elapsed < waitEnd)
                {
                    int n = await ReceiveOneAsync(waitEnd - clock.Elapsed, ct).ConfigureAwait(false);
                    if (n >= 0 && Matches(n, method, transactionId))
                    {
                        return n;
                    }
                }
            }
        }

        throw new StunTimeoutException(Server, Transport, transmissions, clock.Elapsed);
    }

    private TimeSpan WaitEnd(Stopwatch clock, TimeSpan wait)
    {
        TimeSpan end = clock.Elapsed + wait;
        return Timing.Timeout is { } cap && end > cap ? cap : end;
    }

    private bool Matches(int length, StunMethod method, byte[] transactionId)
    {
        if (IsResponse(_frame.AsSpan(0, length), method, transactionId))
        {
            return true;
        }

        Unmatched?.Invoke(_frame.AsMemory(0, length));
        return false;
    }

    private int SendAll(ReadOnlySpan<byte> packet)
    {
        Connect();
        int sent = 0;
        while (sent < packet.Length)
        {
            sent += Socket.Send(packet[sent..], SocketFlags.None);
            if (Transport == StunTransport.Udp)
            {
                break;
            }
        }

        return sent;
    }

    private async ValueTask SendAllAsync(int length, CancellationToken ct)
    {
        int sent = 0;
        while (sent < length)
        {
            sent += await Socket.SendAsync(_request.AsMemory(sent, length - sent), SocketFlags.None, ct).ConfigureAwait(false);
            if (Transport == StunTransport.Udp)
            {
                break;
            }
        }
    }

    /// <summary>Next datagram/frame into <see cref="_frame"/>: its length, or -1 if none came within <paramref name="timeout"/>.</summary>
    private int ReceiveOne(TimeSpan timeout)
    {
        Connect();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (Transport == StunTransport.Tcp && TryTakeFrame(out int frameLength))
            {
                return frameLength;
            }

            TimeSpan left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero || !Socket.Poll(left, SelectMode.SelectRead))
            {
                return -1;
            }

            Span<byte> target = Transport == StunTransport.Tcp ? _stream.AsSpan(_streamLength) : _frame;
            int n = Socket.Receive(target, SocketFlags.None, out SocketError error);
            if (error is SocketError.WouldBlock or SocketError.Interrupted
                || (Transport == StunTransport.Udp && error is SocketError.HostUnreachable or SocketError.NetworkUnreachable))
            {
                // Nothing after all, or a soft ICMP error for an earlier datagram: keep waiting. A port unreachable
                // (ConnectionRefused) is a hard error and fails the transaction (RFC 8489 §6.2.1).
                continue;
            }

            if (error != SocketError.Success)
            {
                throw new SocketException((int)error);
            }

            if (Transport == StunTransport.Udp)
            {
                return n;
            }

            if (n == 0)
            {
                throw new IOException($"{Server} closed the TCP connection");
            }

            _streamLength += n;
        }
    }

    private async ValueTask<int> ReceiveOneAsync(TimeSpan timeout, CancellationToken ct)
    {
        await ConnectAsync(ct).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (Transport == StunTransport.Tcp && TryTakeFrame(out int frameLength))
            {
                return frameLength;
            }

            TimeSpan left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                return -1;
            }

            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(left);
            int n;
            try
            {
                Memory<byte> target = Transport == StunTransport.Tcp ? _stream.AsMemory(_streamLength) : _frame;
                n = await Socket.ReceiveAsync(target, SocketFlags.None, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return -1;
            }
            catch (SocketException e) when (Transport == StunTransport.Udp && e.SocketErrorCode is SocketError.HostUnreachable or SocketError.NetworkUnreachable)
            {
                continue;
            }

            if (Transport == StunTransport.Udp)
            {
                return n;
            }

            if (n == 0)
            {
                throw new IOException($"{Server} closed the TCP connection");
            }

            _streamLength += n;
        }
    }

    /// <summary>Moves one complete STUN/ChannelData frame from the TCP stream buffer to <see cref="_frame"/>.</summary>
    private bool TryTakeFrame(out int length)
    {
        length = 0;
        StreamFrameKind kind = StreamFraming.GetFrame(_stream.AsSpan(0, _streamLength), out int frame);
        if (kind == StreamFrameKind.Invalid)
        {
            throw new IOException($"{Server} sent bytes that are not STUN/TURN framing");
        }

        if (kind == StreamFrameKind.NeedMore || frame > _streamLength)
        {
            return false;
        }

        _stream.AsSpan(0, frame).CopyTo(_frame);
        _stream.AsSpan(frame, _streamLength - frame).CopyTo(_stream);
        _streamLength -= frame;
        length = frame;
        return true;
    }

    private static TurnAllocation ReadAllocation(ReadOnlySpan<byte> response)
    {
        StunMessage.TryParse(response, out StunMessage message);
        var relayed = new List<StunAddress>(2);
        int? familyError = null;
        ulong? token = null;
        foreach (StunAttribute attribute in message.GetAttributes())
        {
            if (attribute.Type == (ushort)StunAttributeType.XorRelayedAddress
                && StunAttributeReader.TryReadXorAddress(attribute.Value, message.TransactionId, out StunAddress address))
            {
                relayed.Add(address);
            }
            else if ((attribute.Type == (ushort)StunAttributeType.AddressErrorCode || attribute.Type == (ushort)StunAttributeType.LegacyAddressErrorCode)
                && StunAttributeReader.TryReadAddressErrorCode(attribute.Value, out _, out int code, out _))
            {
                familyError = code;
            }
            else if (attribute.Type == (ushort)StunAttributeType.ReservationToken
                && StunAttributeReader.TryReadReservationToken(attribute.Value, out ulong t))
            {
                token = t;
            }
        }

        if (relayed.Count == 0)
        {
            throw new TurnErrorException(StunMethod.Allocate, StunErrorCode.ServerError, "success response without XOR-RELAYED-ADDRESS");
        }

        StunAddress? mapped = message.TryGetXorAddress(StunAttributeType.XorMappedAddress, out StunAddress m) ? m : null;
        uint lifetime = message.TryGetUInt32(StunAttributeType.Lifetime, out uint l) ? l : 0;
        return new TurnAllocation(relayed, mapped, lifetime, token, familyError);
    }

    private static uint ReadLifetime(ReadOnlySpan<byte> response, uint requested)
    {
        StunMessage.TryParse(response, out StunMessage message);
        return message.TryGetUInt32(StunAttributeType.Lifetime, out uint l) ? l : requested;
    }
}
