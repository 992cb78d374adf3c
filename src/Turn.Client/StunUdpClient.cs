using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Turn.Protocol;

namespace Turn.Client;

/// <summary>
/// Binding transactions over one UDP socket with RFC 8489 §6.2.1 retransmissions. Datagrams that are not a
/// response to the outstanding request (other transaction ids, garbage, indications, bad FINGERPRINT) are ignored.
/// The socket is not connected, so answers from another address (RFC 5780 CHANGE-REQUEST) are accepted.
/// One transaction at a time per instance.
/// </summary>
public sealed class StunUdpClient : IDisposable
{
    private readonly bool _ownsSocket;
    private readonly byte[] _receiveBuffer = new byte[65_536];

    /// <summary>Creates a UDP socket of <paramref name="family"/>, bound to <paramref name="localEndPoint"/> if given
    /// (otherwise the first send binds it to an ephemeral port).</summary>
    /// <exception cref="SocketException">The bind failed.</exception>
    public StunUdpClient(AddressFamily family = AddressFamily.InterNetwork, IPEndPoint? localEndPoint = null, StunClientOptions? options = null)
    {
        Options = options ?? StunClientOptions.Default;
        Options.Validate();
        Socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        _ownsSocket = true;
        try
        {
            if (localEndPoint is not null) Socket.Bind(localEndPoint);
        }
        catch
        {
            Socket.Dispose();
            throw;
        }
    }

    /// <summary>Uses an existing UDP socket.</summary>
    public StunUdpClient(Socket socket, StunClientOptions? options = null, bool ownsSocket = false)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.SocketType != SocketType.Dgram) throw new ArgumentException("A UDP socket is needed.", nameof(socket));
        Options = options ?? StunClientOptions.Default;
        Options.Validate();
        Socket = socket;
        _ownsSocket = ownsSocket;
    }

    /// <summary>The socket requests are sent from.</summary>
    public Socket Socket { get; }

    /// <summary>Timing of the transactions.</summary>
    public StunClientOptions Options { get; }

    /// <summary>The local address (after the first send or an explicit bind), or null.</summary>
    public IPEndPoint? LocalEndPoint => Socket.LocalEndPoint as IPEndPoint;

    /// <summary>Sends a Binding request to <paramref name="server"/> and waits for its response on this socket.</summary>
    /// <exception cref="StunTimeoutException">No response within the retransmission schedule.</exception>
    /// <exception cref="SocketException">Sending failed (unreachable network, bad address...).</exception>
    public Task<StunBindingResponse> BindingAsync(IPEndPoint server, StunBindingRequest? request = null, CancellationToken cancellationToken = default)
        => BindingAsync(server, request, Socket, cancellationToken);

    /// <summary>
    /// Sends from this socket but waits for the response on <paramref name="receiveSocket"/>: the RFC 5780
    /// RESPONSE-PORT case, where the server answers to another port of ours.
    /// </summary>
    public async Task<StunBindingResponse> BindingAsync(IPEndPoint server, StunBindingRequest? request, Socket receiveSocket, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(receiveSocket);
        byte[] packet = (request ?? StunBindingRequest.Plain).Encode(out byte[] transactionId);
        return await TransactAsync(server, packet, transactionId, receiveSocket, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs one transaction for an already encoded request (any method): sends <paramref name="packet"/> per the
    /// schedule until a Binding response with <paramref name="transactionId"/> arrives on <paramref name="receiveSocket"/>.
    /// </summary>
    public async Task<StunBindingResponse> TransactAsync(IPEndPoint server, ReadOnlyMemory<byte> packet, byte[] transactionId, Socket receiveSocket, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(transactionId);
        if (transactionId.Length != Stun.TransactionIdLength) throw new ArgumentException("A transaction id is 12 bytes.", nameof(transactionId));

        IReadOnlyList<TimeSpan> schedule = Options.GetUdpSchedule();
        TimeSpan? cap = Options.Timeout;
        EndPoint any = new IPEndPoint(receiveSocket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        var clock = Stopwatch.StartNew();
        int transmissions = 0;

        for (int i = 0; i < schedule.Count; i++)
        {
            if (i > 0 && cap is { } c && clock.Elapsed >= c) break;
            await Socket.SendToAsync(packet, SocketFlags.None, server, cancellationToken).ConfigureAwait(false);
            transmissions++;
            // Each wait runs from its own transmission (RTO, 2 RTO, ..., Rm RTO), so a slow scheduler delays the
            // retransmissions but never skips them; only the optional overall Timeout is an absolute deadline.
            TimeSpan waitEnd = clock.Elapsed + schedule[i];
            if (cap is { } limit && waitEnd > limit) waitEnd = limit;

            while (true)
            {
                TimeSpan remaining = waitEnd - clock.Elapsed;
                if (remaining <= TimeSpan.Zero) break;
                SocketReceiveFromResult r;
                using (var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    cts.CancelAfter(remaining);
                    try
                    {
                        r = await receiveSocket.ReceiveFromAsync(_receiveBuffer, SocketFlags.None, any, cts.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        // The wait is over — unless the timer fired a little early: the loop re-checks the clock,
                        // then retransmits (or gives up).
                        continue;
                    }
                    catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused
                                                        or SocketError.HostUnreachable or SocketError.NetworkUnreachable)
                    {
                        // An ICMP error for an earlier datagram (reported on some platforms): keep waiting.
                        continue;
                    }
                }

                if (StunBindingResponse.TryParse(_receiveBuffer.AsSpan(0, r.ReceivedBytes), transactionId, out StunBindingResponse? response))
                {
                    response!.RemoteEndPoint = r.RemoteEndPoint as IPEndPoint;
                    response.LocalEndPoint = receiveSocket.LocalEndPoint as IPEndPoint;
                    response.Transmissions = transmissions;
                    response.Elapsed = clock.Elapsed;
                    return response;
                }
            }
        }

        throw new StunTimeoutException(server, StunTransport.Udp, transmissions, clock.Elapsed);
    }

    /// <summary>Closes the socket if this instance created it (or was told it owns it).</summary>
    public void Dispose()
    {
        if (_ownsSocket) Socket.Dispose();
    }
}
