using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Turn.Protocol;

namespace Turn.Client;

/// <summary>
/// A Binding transaction over TCP (RFC 8489 §6.2.2): connect, send once, read STUN frames (by their length field)
/// until the response with our transaction id arrives or Ti elapses. No retransmission.
/// </summary>
public static class StunTcpClient
{
    /// <summary>Connects to <paramref name="server"/> (from <paramref name="localEndPoint"/> if given) and runs one Binding transaction.</summary>
    /// <exception cref="StunTimeoutException">No response (or no connection) within Ti.</exception>
    /// <exception cref="SocketException">The connection was refused or failed.</exception>
    /// <exception cref="IOException">The server closed the connection or sent something that is not STUN framing.</exception>
    public static async Task<StunBindingResponse> BindingAsync(
        IPEndPoint server,
        StunBindingRequest? request = null,
        IPEndPoint? localEndPoint = null,
        StunClientOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        options ??= StunClientOptions.Default;
        options.Validate();
        byte[] packet = (request ?? StunBindingRequest.Plain).Encode(out byte[] transactionId);

        var clock = Stopwatch.StartNew();
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (localEndPoint is not null) socket.Bind(localEndPoint);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(options.TcpTransactionTimeout);
        try
        {
            await socket.ConnectAsync(server, cts.Token).ConfigureAwait(false);
            await socket.SendAsync(packet, SocketFlags.None, cts.Token).ConfigureAwait(false);

            byte[] buffer = new byte[Stun.MaxMessageLength + 4];
            int buffered = 0;
            while (true)
            {
                StreamFrameKind kind = StreamFraming.GetFrame(buffer.AsSpan(0, buffered), out int frameLength);
                if (kind == StreamFrameKind.Invalid)
                    throw new IOException($"{server} sent bytes that are not STUN/TURN framing");
                if (kind != StreamFrameKind.NeedMore && frameLength <= buffered)
                {
                    if (kind == StreamFrameKind.Stun
                        && StunBindingResponse.TryParse(buffer.AsSpan(0, frameLength), transactionId, out StunBindingResponse? response))
                    {
                        response!.RemoteEndPoint = socket.RemoteEndPoint as IPEndPoint;
                        response.LocalEndPoint = socket.LocalEndPoint as IPEndPoint;
                        response.Transmissions = 1;
                        response.Elapsed = clock.Elapsed;
                        return response;
                    }
                    // Not ours (another transaction, ChannelData...): drop the frame.
                    buffer.AsSpan(frameLength, buffered - frameLength).CopyTo(buffer);
                    buffered -= frameLength;
                    continue;
                }

                int n = await socket.ReceiveAsync(buffer.AsMemory(buffered), SocketFlags.None, cts.Token).ConfigureAwait(false);
                if (n == 0) throw new IOException($"{server} closed the TCP connection before answering");
                buffered += n;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StunTimeoutException(server, StunTransport.Tcp, 1, clock.Elapsed);
        }
    }
}
