using System.Buffers.Binary;

namespace Turn.Server.Dtls.Tests;

/// <summary>DTLS ClientHello datagrams built byte by byte (RFC 6347 §4.2.1, §4.3.2), independent of the parser under test.</summary>
internal static class RawClientHello
{
    public static byte[] Build(byte[] random, byte[] cookie, ulong recordSequence = 0, ushort messageSequence = 0, ushort[]? suites = null)
    {
        suites ??= [0xC02B, 0xC02F, 0x00FF];
        var body = new List<byte> { 0xFE, 0xFD };        // client_version DTLS 1.2
        body.AddRange(random);                            // random (32)
        body.Add(0);                                      // session_id<0..32>
        body.Add((byte)cookie.Length);                    // cookie<0..255>
        body.AddRange(cookie);
        body.Add((byte)(suites.Length * 2 >> 8));         // cipher_suites<2..2^16-2>
        body.Add((byte)(suites.Length * 2));
        foreach (ushort s in suites)
        {
            body.Add((byte)(s >> 8));
            body.Add((byte)s);
        }

        body.Add(1);                                      // compression_methods: null
        body.Add(0);
        body.AddRange(new byte[] { 0, 0 });               // extensions: none

        byte[] datagram = new byte[13 + 12 + body.Count];
        datagram[0] = 22;                                 // handshake
        datagram[1] = 0xFE;
        datagram[2] = 0xFF;                               // record version DTLS 1.0, as OpenSSL sends the first flight
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(3), 0); // epoch
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(5), (ushort)(recordSequence >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(datagram.AsSpan(7), (uint)recordSequence);
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(11), (ushort)(12 + body.Count));
        datagram[13] = 1;                                 // client_hello
        WriteUInt24(datagram.AsSpan(14), body.Count);
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(17), messageSequence);
        WriteUInt24(datagram.AsSpan(19), 0);              // fragment_offset
        WriteUInt24(datagram.AsSpan(22), body.Count);     // fragment_length
        body.CopyTo(datagram, 25);
        return datagram;
    }

    /// <summary>The cookie of a HelloVerifyRequest datagram.</summary>
    public static byte[] CookieOf(ReadOnlySpan<byte> helloVerifyRequest) =>
        helloVerifyRequest.Slice(13 + 12 + 3, helloVerifyRequest[13 + 12 + 2]).ToArray();

    private static void WriteUInt24(Span<byte> destination, int value)
    {
        destination[0] = (byte)(value >> 16);
        destination[1] = (byte)(value >> 8);
        destination[2] = (byte)value;
    }
}
