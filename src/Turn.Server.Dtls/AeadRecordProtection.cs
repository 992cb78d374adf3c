using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Turn.Server.Dtls;

/// <summary>
/// The record layer of an established DTLS 1.2 session with an AEAD suite, in this project's own
/// code on .NET's AES-GCM and ChaCha20-Poly1305: one open per received record and one seal per sent
/// record, in caller-supplied buffers, with nothing allocated and no lock (the worker is the only user).
/// <para>
/// AES-GCM (RFC 5288 §3, RFC 6347 §4.1.2.1): nonce = 4-byte salt from the key block + 8-byte
/// explicit nonce sent at the front of the fragment (here epoch|sequence, unique per key).
/// ChaCha20-Poly1305 (RFC 7905 §2): nonce = 12-byte IV XOR the 64-bit epoch|sequence; no explicit part.
/// Additional data for both (RFC 5246 §6.2.3.3 with the DTLS sequence number):
/// epoch(2) | sequence(6) | type(1) | version(2) | plaintext length(2).
/// </para>
/// </summary>
public sealed class AeadRecordProtection : DtlsRecordProtection
{
    private const int TagLength = 16;
    private const int ExplicitNonceLength = 8;
    private readonly AesGcm? _readGcm;
    private readonly AesGcm? _writeGcm;
    private readonly ChaCha20Poly1305? _readChaCha;
    private readonly ChaCha20Poly1305? _writeChaCha;
    private readonly byte[] _readIv;
    private readonly byte[] _writeIv;

    /// <summary>The server side of a session: reads with the client's keys, writes with the server's.</summary>
    /// <param name="firstWriteSequence">The first sequence number of ours in <paramref name="epoch"/> not used by the handshake.</param>
    public AeadRecordProtection(DtlsCipherSuite suite, ushort epoch, byte[] readKey, byte[] readIv, byte[] writeKey, byte[] writeIv, ulong firstWriteSequence)
        : base(suite, DtlsWire.Dtls12, epoch, firstWriteSequence)
    {
        _readIv = readIv;
        _writeIv = writeIv;
        if (suite.IsChaCha)
        {
            _readChaCha = new ChaCha20Poly1305(readKey);
            _writeChaCha = new ChaCha20Poly1305(writeKey);
        }
        else
        {
            _readGcm = new AesGcm(readKey, TagLength);
            _writeGcm = new AesGcm(writeKey, TagLength);
        }

        CryptographicOperations.ZeroMemory(readKey);
        CryptographicOperations.ZeroMemory(writeKey);
    }

    public override bool TryOpen(in DtlsRecordHeader header, ReadOnlySpan<byte> record, Span<byte> plaintext, out int length)
    {
        length = 0;
        if (!MayOpen(header))
        {
            return false;
        }

        ReadOnlySpan<byte> fragment = record.Slice(DtlsWire.RecordHeaderLength, header.Length);
        int explicitLength = Suite.IsChaCha ? 0 : ExplicitNonceLength;
        int cipherLength = fragment.Length - explicitLength - TagLength;
        if (cipherLength < 0 || cipherLength > DtlsWire.MaxPlaintext || plaintext.Length < cipherLength)
        {
            return false;
        }

        Span<byte> nonce = stackalloc byte[12];
        Span<byte> aad = stackalloc byte[13];
        WriteAad(aad, header.Epoch, header.Sequence, header.ContentType, header.Version, cipherLength);
        ReadOnlySpan<byte> ciphertext = fragment.Slice(explicitLength, cipherLength);
        ReadOnlySpan<byte> tag = fragment.Slice(explicitLength + cipherLength, TagLength);
        Span<byte> output = plaintext[..cipherLength];
        try
        {
            if (_readChaCha is not null)
            {
                ChaChaNonce(_readIv, header.Epoch, header.Sequence, nonce);
                _readChaCha.Decrypt(nonce, ciphertext, tag, output, aad);
            }
            else
            {
                _readIv.AsSpan(0, 4).CopyTo(nonce);
                fragment[..ExplicitNonceLength].CopyTo(nonce[4..]);
                _readGcm!.Decrypt(nonce, ciphertext, tag, output, aad);
            }
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }

        Opened(header);
        length = cipherLength;
        return true;
    }

    public override int Seal(byte contentType, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        int explicitLength = Suite.IsChaCha ? 0 : ExplicitNonceLength;
        int fragmentLength = explicitLength + plaintext.Length + TagLength;
        if (plaintext.Length > DtlsWire.MaxPlaintext || destination.Length < DtlsWire.RecordHeaderLength + fragmentLength)
        {
            return 0;
        }

        ulong sequence = TakeWriteSequence();
        DtlsWire.WriteRecordHeader(destination, contentType, DtlsWire.Dtls12, Epoch, sequence, fragmentLength);
        Span<byte> fragment = destination.Slice(DtlsWire.RecordHeaderLength, fragmentLength);
        Span<byte> nonce = stackalloc byte[12];
        Span<byte> aad = stackalloc byte[13];
        WriteAad(aad, Epoch, sequence, contentType, DtlsWire.Dtls12, plaintext.Length);
        Span<byte> ciphertext = fragment.Slice(explicitLength, plaintext.Length);
        Span<byte> tag = fragment.Slice(explicitLength + plaintext.Length, TagLength);
        if (_writeChaCha is not null)
        {
            ChaChaNonce(_writeIv, Epoch, sequence, nonce);
            _writeChaCha.Encrypt(nonce, plaintext, ciphertext, tag, aad);
        }
        else
        {
            // The explicit nonce: epoch and sequence number, never repeated under one key.
            BinaryPrimitives.WriteUInt16BigEndian(fragment, Epoch);
            DtlsWire.WriteUInt48(fragment[2..], sequence);
            _writeIv.AsSpan(0, 4).CopyTo(nonce);
            fragment[..ExplicitNonceLength].CopyTo(nonce[4..]);
            _writeGcm!.Encrypt(nonce, plaintext, ciphertext, tag, aad);
        }

        return DtlsWire.RecordHeaderLength + fragmentLength;
    }

    public override void Dispose()
    {
        _readGcm?.Dispose();
        _writeGcm?.Dispose();
        _readChaCha?.Dispose();
        _writeChaCha?.Dispose();
    }

    private static void WriteAad(Span<byte> aad, ushort epoch, ulong sequence, byte type, ushort version, int length)
    {
        BinaryPrimitives.WriteUInt16BigEndian(aad, epoch);
        DtlsWire.WriteUInt48(aad[2..], sequence);
        aad[8] = type;
        BinaryPrimitives.WriteUInt16BigEndian(aad[9..], version);
        BinaryPrimitives.WriteUInt16BigEndian(aad[11..], (ushort)length);
    }

    private static void ChaChaNonce(byte[] iv, ushort epoch, ulong sequence, Span<byte> nonce)
    {
        iv.AsSpan(0, 12).CopyTo(nonce);
        ulong counter = ((ulong)epoch << 48) | sequence;
        ulong tail = BinaryPrimitives.ReadUInt64BigEndian(nonce[4..]) ^ counter;
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], tail);
    }
}
