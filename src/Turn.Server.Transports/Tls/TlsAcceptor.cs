using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using Turn.Protocol;
using Turn.Server.Transports.Native;

namespace Turn.Server.Transports.Tls;

/// <summary>
/// What happens to an accepted connection on a listener that serves TLS: a bounded wait for its
/// first bytes (<see cref="FirstBytePoller"/>, then MSG_PEEK: nothing is consumed), then either the
/// TLS handshake (first byte 0x16, a TLS handshake record) or plain STUN/TURN over TCP, as coturn
/// does on both its ports. All of it runs off the relay workers; a worker only ever sees finished
/// handshakes and plain connections that have spoken.
/// </summary>
internal static class TlsAcceptor
{
    private const byte TlsHandshakeRecord = 0x16;
    private const int MsgPeek = 0x2;
    private const int PeekSize = 4096;
    private const int MaxRecord = 5 + 16384 + 256;

    /// <summary>One accepted connection on its way to a worker.</summary>
    public sealed record Pending(Socket Client, RelayWorker Worker, TlsServerContext Tls, bool AcceptPlain, Action OnClosed, IServerLog Log, long DeadlineMs);

    /// <summary>
    /// Starts serving an accepted connection; <see cref="Pending.OnClosed"/> runs exactly once when
    /// it ends (here, or later on the worker).
    /// </summary>
    public static void Start(Socket client, RelayWorker worker, TlsServerContext tls, bool acceptPlain, Action onClosed, IServerLog log)
    {
        var pending = new Pending(client, worker, tls, acceptPlain, onClosed, log, Environment.TickCount64 + (long)tls.HandshakeTimeout.TotalMilliseconds);
        FirstBytePoller.Shared.Watch(client, pending.DeadlineMs, pending, static (p, readable) => _ = ServeAsync(p, readable));
    }

    private static async Task ServeAsync(Pending p, bool readable)
    {
        Socket client = p.Client;
        IServerLog log = p.Log;
        bool handedOver = false;
        SslStream? ssl = null;
        RecordBatchingStream? transport = null;
        byte[]? peek = null;
        EndPoint? remote = null;
        try
        {
            remote = client.RemoteEndPoint;
            if (!readable)
            {
                if (log.IsDebugEnabled)
                {
                    log.Debug($"connection from {remote} closed: nothing received within {p.Tls.HandshakeTimeout.TotalSeconds:0} s");
                }

                return;
            }

            peek = ArrayPool<byte>.Shared.Rent(PeekSize);
            int n = Peek(client, peek);
            if (n < 0)
            {
                return; // reset, or a spurious wake-up (which a client that is about to speak does not cause)
            }

            if (n == 0)
            {
                return; // closed before saying anything
            }

            if (peek[0] != TlsHandshakeRecord)
            {
                if (p.AcceptPlain)
                {
                    p.Worker.Adopt(client, p.OnClosed);
                    handedOver = true;
                }
                else if (log.IsDebugEnabled)
                {
                    log.Debug($"plain TCP connection from {remote} refused: TCP is disabled (no-tcp)");
                }

                return;
            }

            AlpnOffer offer = ClientHelloAlpn.Inspect(peek.AsSpan(0, n));
            for (int attempt = 0; offer == AlpnOffer.Incomplete && attempt < 20 && Environment.TickCount64 < p.DeadlineMs; attempt++)
            {
                // The ClientHello came in pieces: look again shortly (it is normally there at once).
                int needed = ClientHelloAlpn.RecordLength(peek.AsSpan(0, n));
                if (needed > MaxRecord)
                {
                    break;
                }

                if (needed > peek.Length)
                {
                    ArrayPool<byte>.Shared.Return(peek);
                    peek = ArrayPool<byte>.Shared.Rent(needed);
                }

                await Task.Delay(5).ConfigureAwait(false);
                n = Peek(client, peek);
                if (n <= 0)
                {
                    return;
                }

                offer = ClientHelloAlpn.Inspect(peek.AsSpan(0, n));
            }

            ArrayPool<byte>.Shared.Return(peek);
            peek = null;

            long left = Math.Max(1, p.DeadlineMs - Environment.TickCount64);
            using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(left));
            client.NoDelay = true;
            transport = new RecordBatchingStream(new NetworkStream(client, ownsSocket: true));
            ssl = new SslStream(transport, leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsServerAsync(p.Tls.OptionsFor(offer), deadline.Token).ConfigureAwait(false);
            if (log.IsDebugEnabled)
            {
                string alpn = ssl.NegotiatedApplicationProtocol == default ? "none" : ssl.NegotiatedApplicationProtocol.ToString();
                log.Debug($"TLS connection from {remote}: {ssl.SslProtocol}, {ssl.NegotiatedCipherSuite}, ALPN {alpn}");
            }

            var connection = new TlsConnection(
                client,
                ssl,
                transport,
                p.Worker,
                StunAddress.FromIPEndPoint((IPEndPoint)remote!),
                StunAddress.FromIPEndPoint((IPEndPoint)client.LocalEndPoint!),
                log);
            p.Worker.AdoptTls(connection, p.OnClosed);
            handedOver = true;
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException or ObjectDisposedException
                                   or OperationCanceledException or InvalidOperationException)
        {
            if (log.IsDebugEnabled)
            {
                string why = e is OperationCanceledException ? $"no handshake within {p.Tls.HandshakeTimeout.TotalSeconds:0} s"
                    : e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
                log.Debug($"TLS handshake with {remote} failed: {why}");
            }
        }
        catch (Exception e)
        {
            log.Error($"TLS connection from {remote}: {e}");
        }
        finally
        {
            if (peek is not null)
            {
                ArrayPool<byte>.Shared.Return(peek);
            }

            if (!handedOver)
            {
                ssl?.Dispose();
                client.Dispose();
                p.OnClosed();
            }
        }
    }

    /// <summary>recv(MSG_PEEK | MSG_DONTWAIT): bytes waiting (left in place), 0 at end of stream, -1 when none or on error.</summary>
    private static unsafe int Peek(Socket socket, byte[] buffer)
    {
        nint n;
        fixed (byte* b = buffer)
        {
            n = Libc.recv((int)socket.Handle, b, (nuint)buffer.Length, MsgPeek | Libc.MSG_DONTWAIT);
        }

        return n >= 0 ? (int)n : Marshal.GetLastPInvokeError() == Libc.EINTR ? Peek(socket, buffer) : -1;
    }
}
