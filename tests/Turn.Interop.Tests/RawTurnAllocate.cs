using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Turn.Interop.Tests;

/// <summary>
/// Hand-built Allocate requests with ORIGIN attributes and long-term credentials (RFC 8489 §9.2, MD5 keys), from one
/// UDP socket (one 5-tuple), independent of our codec: what a browser's TURN client sends when it names its origin.
/// </summary>
internal sealed class RawTurnAllocate : IDisposable
{
    private const ushort Allocate = 0x0003;
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly IPEndPoint _server;

    public RawTurnAllocate(int port)
    {
        _server = new IPEndPoint(IPAddress.Loopback, port);
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.ReceiveTimeout = 5000;
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>Sends an Allocate (UDP relay) and returns the error code (0 = success), REALM and NONCE of the answer.</summary>
    public (int Code, string Realm, string Nonce) Send(IEnumerable<string> origins, string? user = null, string? password = null, string? realm = null, string? nonce = null)
    {
        var body = new List<byte>();
        Attribute(body, 0x0019, [17, 0, 0, 0]); // REQUESTED-TRANSPORT UDP
        foreach (string origin in origins)
        {
            Attribute(body, 0x802F, Encoding.UTF8.GetBytes(origin));
        }

        byte[] transactionId = RandomNumberGenerator.GetBytes(12);
        if (user is not null)
        {
            Attribute(body, 0x0006, Encoding.UTF8.GetBytes(user));
            Attribute(body, 0x0014, Encoding.UTF8.GetBytes(realm!));
            Attribute(body, 0x0015, Encoding.UTF8.GetBytes(nonce!));
            byte[] key = MD5.HashData(Encoding.UTF8.GetBytes($"{user}:{realm}:{password}"));
            byte[] signed = Header(body.Count + 24, transactionId).Concat(body).ToArray();
            Attribute(body, 0x0008, HMACSHA1.HashData(key, signed));
        }

        byte[] request = Header(body.Count, transactionId).Concat(body).ToArray();
        byte[] buffer = new byte[2048];
        for (int attempt = 0; ; attempt++)
        {
            _socket.SendTo(request, _server);
            try
            {
                int n = _socket.Receive(buffer);
                return Parse(buffer.AsSpan(0, n));
            }
            catch (SocketException) when (attempt < 3)
            {
            }
        }
    }

    private static byte[] Header(int length, byte[] transactionId)
    {
        byte[] h = new byte[20];
        BinaryPrimitives.WriteUInt16BigEndian(h, Allocate);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), (ushort)length);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4), 0x2112A442);
        transactionId.CopyTo(h, 8);
        return h;
    }

    private static void Attribute(List<byte> body, ushort type, byte[] value)
    {
        body.Add((byte)(type >> 8));
        body.Add((byte)type);
        body.Add((byte)(value.Length >> 8));
        body.Add((byte)value.Length);
        body.AddRange(value);
        while (body.Count % 4 != 0)
        {
            body.Add(0);
        }
    }

    private static (int Code, string Realm, string Nonce) Parse(ReadOnlySpan<byte> m)
    {
        int code = 0;
        string realm = string.Empty;
        string nonce = string.Empty;
        int end = 20 + BinaryPrimitives.ReadUInt16BigEndian(m[2..]);
        for (int i = 20; i + 4 <= end;)
        {
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(m[i..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(m[(i + 2)..]);
            ReadOnlySpan<byte> value = m.Slice(i + 4, length);
            switch (type)
            {
                case 0x0009:
                    code = (value[2] * 100) + value[3];
                    break;
                case 0x0014:
                    realm = Encoding.UTF8.GetString(value);
                    break;
                case 0x0015:
                    nonce = Encoding.UTF8.GetString(value);
                    break;
            }

            i += 4 + ((length + 3) & ~3);
        }

        return (code, realm, nonce);
    }
}
