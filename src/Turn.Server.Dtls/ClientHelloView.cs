using System.Buffers.Binary;

namespace Turn.Server.Dtls;

/// <summary>
/// A DTLS ClientHello read in place from the first record of a datagram, without copying: what
/// the stateless cookie exchange (RFC 6347 §4.2.1) needs to answer or admit it.
/// <code>
/// struct {
///     ProtocolVersion client_version;
///     Random random;                                   (32 bytes)
///     SessionID session_id;                            &lt;0..32&gt;
///     opaque cookie&lt;0..2^8-1&gt;;
///     CipherSuite cipher_suites&lt;2..2^16-2&gt;;
///     CompressionMethod compression_methods&lt;1..2^8-1&gt;;
///     Extension extensions&lt;0..2^16-1&gt;;               (not looked at here)
/// } ClientHello;
/// </code>
/// Only an unfragmented ClientHello in epoch 0 is accepted: a fragmented one would need state
/// to reassemble, which an unverified client does not get.
/// </summary>
public readonly ref struct ClientHelloView
{
    private ClientHelloView(ReadOnlySpan<byte> record, ulong recordSequence, ushort messageSequence, ushort clientVersion,
        ReadOnlySpan<byte> random, ReadOnlySpan<byte> sessionId, ReadOnlySpan<byte> cookie, ReadOnlySpan<byte> cipherSuites, ReadOnlySpan<byte> compression)
    {
        Record = record;
        RecordSequence = recordSequence;
        MessageSequence = messageSequence;
        ClientVersion = clientVersion;
        Random = random;
        SessionId = sessionId;
        Cookie = cookie;
        CipherSuites = cipherSuites;
        Compression = compression;
    }

    /// <summary>The whole record holding the ClientHello (header included).</summary>
    public ReadOnlySpan<byte> Record { get; }

    public ulong RecordSequence { get; }

    public ushort MessageSequence { get; }

    public ushort ClientVersion { get; }

    public ReadOnlySpan<byte> Random { get; }

    public ReadOnlySpan<byte> SessionId { get; }

    public ReadOnlySpan<byte> Cookie { get; }

    /// <summary>The cipher suite list without its length prefix.</summary>
    public ReadOnlySpan<byte> CipherSuites { get; }

    /// <summary>The compression method list without its length prefix.</summary>
    public ReadOnlySpan<byte> Compression { get; }

    /// <summary>Reads a ClientHello from the first record of <paramref name="datagram"/>; false if it is anything else or malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> datagram, out ClientHelloView hello)
    {
        hello = default;
        if (!DtlsWire.TryReadRecord(datagram, out DtlsRecordHeader header, out int recordLength)
            || header.ContentType != DtlsWire.Handshake || header.Epoch != 0 || (header.Version >> 8) != 0xFE
            || header.Length < DtlsWire.HandshakeHeaderLength)
        {
            return false;
        }

        ReadOnlySpan<byte> handshake = datagram.Slice(DtlsWire.RecordHeaderLength, header.Length);
        int length = DtlsWire.ReadUInt24(handshake[1..]);
        ushort messageSeq = BinaryPrimitives.ReadUInt16BigEndian(handshake[4..]);
        int fragmentOffset = DtlsWire.ReadUInt24(handshake[6..]);
        int fragmentLength = DtlsWire.ReadUInt24(handshake[9..]);
        if (handshake[0] != DtlsWire.ClientHello || fragmentOffset != 0 || fragmentLength != length
            || DtlsWire.HandshakeHeaderLength + length > handshake.Length)
        {
            return false;
        }

        ReadOnlySpan<byte> body = handshake.Slice(DtlsWire.HandshakeHeaderLength, length);
        int at = 0;
        if (body.Length < 2 + 32 + 1)
        {
            return false;
        }

        ushort version = BinaryPrimitives.ReadUInt16BigEndian(body);
        ReadOnlySpan<byte> random = body.Slice(2, 32);
        at = 34;
        if (!TryReadVector8(body, ref at, 32, out ReadOnlySpan<byte> sessionId)
            || !TryReadVector8(body, ref at, 255, out ReadOnlySpan<byte> cookie)
            || !TryReadVector16(body, ref at, out ReadOnlySpan<byte> suites)
            || !TryReadVector8(body, ref at, 255, out ReadOnlySpan<byte> compression)
            || suites.Length < 2 || (suites.Length & 1) != 0 || compression.Length < 1)
        {
            return false;
        }

        hello = new ClientHelloView(datagram[..recordLength], header.Sequence, messageSeq, version, random, sessionId, cookie, suites, compression);
        return true;
    }

    private static bool TryReadVector8(ReadOnlySpan<byte> body, scoped ref int at, int max, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (at >= body.Length)
        {
            return false;
        }

        int length = body[at];
        if (length > max || at + 1 + length > body.Length)
        {
            return false;
        }

        value = body.Slice(at + 1, length);
        at += 1 + length;
        return true;
    }

    private static bool TryReadVector16(ReadOnlySpan<byte> body, scoped ref int at, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (at + 2 > body.Length)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(body[at..]);
        if (at + 2 + length > body.Length)
        {
            return false;
        }

        value = body.Slice(at + 2, length);
        at += 2 + length;
        return true;
    }
}
