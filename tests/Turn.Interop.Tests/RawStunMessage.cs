using System.Net;
using System.Net.Sockets;

namespace Turn.Interop.Tests;

/// <summary>
/// STUN messages built and read by hand (RFC 8489 §5, §14), independent of our codec, for the RFC 5780
/// and PROXY protocol interop tests: requests with arbitrary attributes, and answers split into attributes.
/// </summary>
internal sealed class RawStunMessage
{
    public const ushort ChangeRequest = 0x0003;
    public const ushort ErrorCode = 0x0009;
    public const ushort Lifetime = 0x000D;
    public const ushort XorPeerAddress = 0x0012;
    public const ushort Data = 0x0013;
    public const ushort XorRelayedAddress = 0x0016;
    public const ushort RequestedTransport = 0x0019;
    public const ushort XorMappedAddress = 0x0020;
    public const ushort ResponsePort = 0x0027;
    public const ushort ResponseOrigin = 0x802B;
    public const ushort OtherAddress = 0x802C;

    private static readonly byte[] Cookie = [0x21, 0x12, 0xA4, 0x42];

    private RawStunMessage(byte[] bytes, ushort type, List<(ushort Type, byte[] Value)> attributes)
    {
        Bytes = bytes;
        Type = type;
        Attributes = attributes;
    }

    public byte[] Bytes { get; }

    /// <summary>The message type: 0x0101 Binding success, 0x0111 Binding error, 0x0103 Allocate success, 0x0017 Data indication…</summary>
    public ushort Type { get; }

    public List<(ushort Type, byte[] Value)> Attributes { get; }

    public byte[] TransactionId => Bytes[8..20];

    /// <summary>A request (or indication) with a random transaction id and the given attributes, each padded to 4 bytes.</summary>
    public static byte[] Build(ushort type, params (ushort Type, byte[] Value)[] attributes)
    {
        byte[] transactionId = new byte[12];
        Random.Shared.NextBytes(transactionId);
        var body = new List<byte>();
        foreach ((ushort t, byte[] v) in attributes)
        {
            body.AddRange([(byte)(t >> 8), (byte)t, (byte)(v.Length >> 8), (byte)v.Length, .. v]);
            body.AddRange(new byte[(4 - (v.Length % 4)) % 4]);
        }

        return [(byte)(type >> 8), (byte)type, (byte)(body.Count >> 8), (byte)body.Count, .. Cookie, .. transactionId, .. body];
    }

    public static (ushort, byte[]) ChangeRequestAttribute(bool changeIp, bool changePort) =>
        (ChangeRequest, [0, 0, 0, (byte)((changeIp ? 4 : 0) | (changePort ? 2 : 0))]);

    /// <summary>XOR-PEER-ADDRESS (IPv4) for a peer.</summary>
    public static (ushort, byte[]) XorPeer(IPEndPoint peer)
    {
        byte[] ip = peer.Address.GetAddressBytes();
        int port = peer.Port ^ 0x2112;
        return (XorPeerAddress, [0, 1, (byte)(port >> 8), (byte)port, (byte)(ip[0] ^ 0x21), (byte)(ip[1] ^ 0x12), (byte)(ip[2] ^ 0xA4), (byte)(ip[3] ^ 0x42)]);
    }

    public static RawStunMessage Parse(byte[] bytes)
    {
        Assert.True(bytes.Length >= 20, "shorter than a STUN header");
        int length = (bytes[2] << 8) | bytes[3];
        Assert.Equal(bytes.Length, 20 + length);
        var attributes = new List<(ushort, byte[])>();
        for (int i = 20; i + 4 <= bytes.Length;)
        {
            ushort t = (ushort)((bytes[i] << 8) | bytes[i + 1]);
            int len = (bytes[i + 2] << 8) | bytes[i + 3];
            attributes.Add((t, bytes[(i + 4)..(i + 4 + len)]));
            i += 4 + ((len + 3) & ~3);
        }

        return new RawStunMessage(bytes, (ushort)((bytes[0] << 8) | bytes[1]), attributes);
    }

    public bool Has(ushort type) => Attributes.Exists(a => a.Type == type);

    public byte[] Value(ushort type)
    {
        int at = Attributes.FindIndex(a => a.Type == type);
        Assert.True(at >= 0, $"attribute 0x{type:X4} missing from message 0x{Type:X4}");
        return Attributes[at].Value;
    }

    public int Error => Has(ErrorCode) ? (Value(ErrorCode)[2] * 100) + Value(ErrorCode)[3] : 0;

    /// <summary>A MAPPED-ADDRESS-style attribute (RESPONSE-ORIGIN, OTHER-ADDRESS…).</summary>
    public IPEndPoint Address(ushort type) => DecodeAddress(Value(type), xor: false, TransactionId);

    /// <summary>An XOR'ed address attribute (XOR-MAPPED-ADDRESS, XOR-RELAYED-ADDRESS, XOR-PEER-ADDRESS).</summary>
    public IPEndPoint XorAddress(ushort type) => DecodeAddress(Value(type), xor: true, TransactionId);

    private static IPEndPoint DecodeAddress(byte[] v, bool xor, byte[] transactionId)
    {
        int port = (v[2] << 8) | v[3];
        byte[] ip = v[4..];
        if (xor)
        {
            port ^= 0x2112;
            byte[] mask = [.. Cookie, .. transactionId];
            for (int i = 0; i < ip.Length; i++)
            {
                ip[i] ^= mask[i];
            }
        }

        return new IPEndPoint(new IPAddress(ip), port);
    }

    /// <summary>One STUN message off a stream (20-byte header, then its length).</summary>
    public static RawStunMessage Receive(Socket tcp)
    {
        byte[] header = ReceiveExactly(tcp, 20);
        int length = (header[2] << 8) | header[3];
        return Parse([.. header, .. ReceiveExactly(tcp, length)]);
    }

    private static byte[] ReceiveExactly(Socket s, int count)
    {
        byte[] b = new byte[count];
        int got = 0;
        while (got < count)
        {
            int n = s.Receive(b, got, count - got, SocketFlags.None);
            Assert.True(n > 0, "connection closed early");
            got += n;
        }

        return b;
    }
}
