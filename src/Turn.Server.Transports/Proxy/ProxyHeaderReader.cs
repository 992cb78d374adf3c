using System.Net.Sockets;
using System.Runtime.InteropServices;
using Turn.Server.Transports.Native;
using Turn.Server.Transports.Tls;

namespace Turn.Server.Transports.Proxy;

/// <summary>
/// Reads the PROXY protocol v2 header of one accepted connection, off the relay workers: it waits
/// for readable data on the shared <see cref="FirstBytePoller"/> (no thread, no .NET asynchronous
/// socket operation, so the socket is later watched by its worker's epoll only), then takes exactly
/// the header's bytes with non-blocking recv calls, never a byte of the stream behind it. The whole
/// header must arrive before the deadline. <paramref name="done"/> runs once, on the thread pool,
/// with the header or with null and the reason (the caller closes the connection then).
/// </summary>
internal sealed unsafe class ProxyHeaderReader
{
    private readonly Socket _socket;
    private readonly long _deadlineMs;
    private readonly Action<Socket, ProxyHeader?, string?> _done;
    private byte[] _buffer = new byte[ProxyHeaderParser.FixedLength];
    private int _have;

    private ProxyHeaderReader(Socket socket, long deadlineMs, Action<Socket, ProxyHeader?, string?> done)
    {
        _socket = socket;
        _deadlineMs = deadlineMs;
        _done = done;
    }

    public static void Start(Socket socket, TimeSpan timeout, Action<Socket, ProxyHeader?, string?> done)
    {
        var reader = new ProxyHeaderReader(socket, Environment.TickCount64 + (long)timeout.TotalMilliseconds, done);
        reader.Watch();
    }

    private void Watch() => FirstBytePoller.Shared.Watch(_socket, _deadlineMs, this, static (r, readable) => r.OnReadable(readable));

    private void OnReadable(bool readable)
    {
        if (!readable)
        {
            _done(_socket, null, _have == 0 ? "no PROXY header before the deadline" : $"PROXY header incomplete at the deadline ({_have} bytes)");
            return;
        }

        while (true)
        {
            ProxyParseStatus status = ProxyHeaderParser.TryParse(_buffer.AsSpan(0, _have), out ProxyHeader header, out int length, out string? error);
            if (status == ProxyParseStatus.Ok)
            {
                _done(_socket, header, null);
                return;
            }

            if (status == ProxyParseStatus.Invalid)
            {
                _done(_socket, null, error);
                return;
            }

            if (length > _buffer.Length)
            {
                Array.Resize(ref _buffer, length);
            }

            nint n;
            fixed (byte* p = &_buffer[_have])
            {
                n = Libc.recv((int)_socket.Handle, p, (nuint)(length - _have), Libc.MSG_DONTWAIT);
            }

            if (n > 0)
            {
                _have += (int)n;
                continue;
            }

            if (n == 0)
            {
                _done(_socket, null, "closed before the PROXY header was complete");
                return;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR)
            {
                continue;
            }

            if (errno == Libc.EAGAIN)
            {
                if (Environment.TickCount64 >= _deadlineMs)
                {
                    _done(_socket, null, $"PROXY header incomplete at the deadline ({_have} bytes)");
                    return;
                }

                Watch(); // the rest comes in a later segment
                return;
            }

            _done(_socket, null, $"receive failed: errno {errno}");
            return;
        }
    }
}
