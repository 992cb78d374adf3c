using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Turn.Protocol;
using Turn.Server.Tests.Engine;

namespace Turn.Server.Tests.TcpRelay;

/// <summary>
/// One client connection to the server (TCP or TLS): STUN requests and indications while it is a
/// control or plain connection, raw bytes once it is a bound data connection. Reads are blocking
/// with a bounded timeout.
/// </summary>
internal sealed class TcpRelayTestClient : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly byte[] _in = new byte[128 * 1024];
    private int _filled;

    private TcpRelayTestClient(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
        stream.ReadTimeout = (int)Timeout.TotalMilliseconds;
    }

    /// <summary>STUN indications received while waiting for responses.</summary>
    public List<byte[]> Indications { get; } = [];

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public Socket Socket => _socket;

    public static TcpRelayTestClient Connect(IPEndPoint server, bool tls = false, int receiveBuffer = 0)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBuffer > 0)
        {
            socket.ReceiveBufferSize = receiveBuffer;
        }

        socket.Connect(server);
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        if (tls)
        {
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
            ssl.AuthenticateAsClient("localhost");
            stream = ssl;
        }

        return new TcpRelayTestClient(socket, stream);
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>Sends a request (no credentials: the test server runs without authentication) and returns its response.</summary>
    public byte[] Request(StunMethod method, Action<StunMessageWriterBox>? body = null)
    {
        byte[] transactionId = new byte[12];
        Random.Shared.NextBytes(transactionId);
        var box = new StunMessageWriterBox();
        body?.Invoke(box);
        var w = new StunMessageWriter(new byte[2048]);
        w.WriteHeader(method, StunClass.Request, transactionId);
        box.ApplyTo(ref w);
        Write(w.Written);
        while (true)
        {
            byte[] message = ReadMessage();
            if (message.AsSpan(8, 12).SequenceEqual(transactionId))
            {
                return message;
            }

            Indications.Add(message);
        }
    }

    /// <summary>The next indication of <paramref name="method"/> (one already received first).</summary>
    public byte[] WaitForIndication(StunMethod method)
    {
        while (true)
        {
            int i = Indications.FindIndex(m => StunMessage.TryParse(m, out StunMessage p) == StunParseStatus.Ok && p.Method == method);
            if (i >= 0)
            {
                byte[] found = Indications[i];
                Indications.RemoveAt(i);
                return found;
            }

            Indications.Add(ReadMessage());
        }
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        _stream.Write(data);
        _stream.Flush();
    }

    /// <summary>Exactly <paramref name="count"/> raw bytes (what a bound data connection carries).</summary>
    public byte[] ReadExactly(int count)
    {
        byte[] result = new byte[count];
        int taken = Math.Min(count, _filled);
        _in.AsSpan(0, taken).CopyTo(result);
        _in.AsSpan(taken, _filled - taken).CopyTo(_in);
        _filled -= taken;
        _stream.ReadExactly(result, taken, count - taken);
        return result;
    }

    /// <summary>Reads up to <paramref name="buffer"/>.Length raw bytes; 0 at the end of the stream.</summary>
    public int Read(Span<byte> buffer)
    {
        if (_filled > 0)
        {
            int n = Math.Min(buffer.Length, _filled);
            _in.AsSpan(0, n).CopyTo(buffer);
            _in.AsSpan(n, _filled - n).CopyTo(_in);
            _filled -= n;
            return n;
        }

        return _stream.Read(buffer);
    }

    /// <summary>True when the server closed the connection (end of stream or reset) within the timeout, reading away what came before.</summary>
    public bool EndsWithin(TimeSpan timeout)
    {
        _stream.ReadTimeout = (int)timeout.TotalMilliseconds;
        byte[] sink = new byte[16 * 1024];
        try
        {
            while (Read(sink) > 0)
            {
            }

            return true;
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut })
        {
            return false;
        }
        catch (IOException)
        {
            return true; // reset
        }
        finally
        {
            _stream.ReadTimeout = (int)Timeout.TotalMilliseconds;
        }
    }

    /// <summary>The next STUN or ChannelData message the server sends, framed as the stream says.</summary>
    public byte[] ReadMessage()
    {
        while (true)
        {
            StreamFrameKind kind = StreamFraming.GetFrame(_in.AsSpan(0, _filled), out int length);
            if (kind is StreamFrameKind.Stun or StreamFrameKind.ChannelData)
            {
                byte[] message = _in.AsSpan(0, length).ToArray();
                _in.AsSpan(length, _filled - length).CopyTo(_in);
                _filled -= length;
                return message;
            }

            Assert.NotEqual(StreamFrameKind.Invalid, kind);
            int n = _stream.Read(_in.AsSpan(_filled));
            Assert.True(n > 0, "the server closed the connection");
            _filled += n;
        }
    }
}
