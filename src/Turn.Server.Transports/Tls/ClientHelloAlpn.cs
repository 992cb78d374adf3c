using System.Buffers.Binary;

namespace Turn.Server.Transports.Tls;

/// <summary>What a ClientHello offers for ALPN (RFC 7301), as far as the server cares.</summary>
internal enum AlpnOffer
{
    /// <summary>Not enough bytes of the first record yet.</summary>
    Incomplete,

    /// <summary>Not a parsable ClientHello in one record: let the TLS stack decide.</summary>
    Unknown,

    /// <summary>No ALPN extension.</summary>
    None,

    /// <summary>ALPN offering stun.turn or stun.nat-discovery.</summary>
    Stun,

    /// <summary>ALPN offering only other protocols (h2, http/1.1...).</summary>
    OtherOnly,
}

/// <summary>
/// Reads the ALPN extension from the first TLS record (peeked, not consumed). coturn answers a
/// ClientHello whose ALPN list has none of the RFC 7443 names by going on without ALPN
/// (SSL_TLSEXT_ERR_NOACK); SslStream would refuse it, so the server offers ALPN only to clients
/// that send no ALPN or one of the STUN names.
/// </summary>
internal static class ClientHelloAlpn
{
    private const int RecordHeader = 5;
    private const ushort AlpnExtension = 16;

    /// <summary>The bytes of the first record, header included; 0 when the header is not there yet.</summary>
    public static int RecordLength(ReadOnlySpan<byte> data) =>
        data.Length < RecordHeader ? 0 : RecordHeader + BinaryPrimitives.ReadUInt16BigEndian(data.Slice(3, 2));

    public static AlpnOffer Inspect(ReadOnlySpan<byte> data)
    {
        int recordLength = RecordLength(data);
        if (recordLength == 0 || data.Length < recordLength)
        {
            return AlpnOffer.Incomplete;
        }

        if (data[0] != 0x16)
        {
            return AlpnOffer.Unknown;
        }

        ReadOnlySpan<byte> r = data[RecordHeader..recordLength];
        // Handshake header: type 1 (ClientHello), 24-bit length; the message must fit this record.
        if (r.Length < 4 || r[0] != 1)
        {
            return AlpnOffer.Unknown;
        }

        int helloLength = (r[1] << 16) | (r[2] << 8) | r[3];
        if (helloLength > r.Length - 4)
        {
            return AlpnOffer.Unknown; // a ClientHello spread over several records
        }

        ReadOnlySpan<byte> h = r.Slice(4, helloLength);
        int p = 2 + 32; // legacy_version, random
        if (!Skip8(h, ref p) || !Skip16(h, ref p) || !Skip8(h, ref p))
        {
            return AlpnOffer.Unknown; // session id, cipher suites, compression methods
        }

        if (p == h.Length)
        {
            return AlpnOffer.None; // no extensions at all
        }

        if (p + 2 > h.Length)
        {
            return AlpnOffer.Unknown;
        }

        int end = p + 2 + BinaryPrimitives.ReadUInt16BigEndian(h.Slice(p, 2));
        p += 2;
        if (end > h.Length)
        {
            return AlpnOffer.Unknown;
        }

        while (p + 4 <= end)
        {
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(h.Slice(p, 2));
            int length = BinaryPrimitives.ReadUInt16BigEndian(h.Slice(p + 2, 2));
            p += 4;
            if (p + length > end)
            {
                return AlpnOffer.Unknown;
            }

            if (type == AlpnExtension)
            {
                return ReadAlpn(h.Slice(p, length));
            }

            p += length;
        }

        return AlpnOffer.None;
    }

    private static AlpnOffer ReadAlpn(ReadOnlySpan<byte> ext)
    {
        if (ext.Length < 2)
        {
            return AlpnOffer.Unknown;
        }

        int end = Math.Min(ext.Length, 2 + BinaryPrimitives.ReadUInt16BigEndian(ext));
        int p = 2;
        while (p < end)
        {
            int length = ext[p++];
            if (p + length > end)
            {
                return AlpnOffer.Unknown;
            }

            ReadOnlySpan<byte> name = ext.Slice(p, length);
            if (name.SequenceEqual("stun.turn"u8) || name.SequenceEqual("stun.nat-discovery"u8))
            {
                return AlpnOffer.Stun;
            }

            p += length;
        }

        return AlpnOffer.OtherOnly;
    }

    private static bool Skip8(ReadOnlySpan<byte> h, ref int p)
    {
        if (p + 1 > h.Length)
        {
            return false;
        }

        p += 1 + h[p];
        return p <= h.Length;
    }

    private static bool Skip16(ReadOnlySpan<byte> h, ref int p)
    {
        if (p + 2 > h.Length)
        {
            return false;
        }

        p += 2 + BinaryPrimitives.ReadUInt16BigEndian(h.Slice(p, 2));
        return p <= h.Length;
    }
}
