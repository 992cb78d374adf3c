using Org.BouncyCastle.Crypto.Tls;

namespace Turn.Server.Dtls.Bc;

/// <summary>
/// Records of a session whose suite has no record layer of this project's own (DTLS 1.0, CBC
/// with HMAC): BouncyCastle's cipher from the handshake does the work. It takes and returns
/// arrays, so each record costs a copy into a per-thread buffer and BouncyCastle's own arrays
/// (the output, and for CBC the MAC and a random explicit IV).
/// </summary>
internal sealed class BcRecordProtection(DtlsCipherSuite suite, ushort version, ushort epoch, TlsCipher cipher, ulong firstWriteSequence)
    : DtlsRecordProtection(suite, version, epoch, firstWriteSequence)
{
    [ThreadStatic]
    private static byte[]? t_scratch;

    private static byte[] Scratch => t_scratch ??= new byte[DtlsWire.MaxPlaintext + MaxOverhead];

    public override bool TryOpen(in DtlsRecordHeader header, ReadOnlySpan<byte> record, Span<byte> plaintext, out int length)
    {
        length = 0;
        if (!MayOpen(header) || header.Length > Scratch.Length)
        {
            return false;
        }

        byte[] input = Scratch;
        record.Slice(DtlsWire.RecordHeaderLength, header.Length).CopyTo(input);
        byte[] output;
        try
        {
            output = cipher.DecodeCiphertext(MacSequence(header.Epoch, header.Sequence), header.ContentType, input, 0, header.Length);
        }
        catch (IOException)
        {
            return false; // bad_record_mac and the like (TlsFatalAlert is an IOException)
        }

        if (output.Length > plaintext.Length)
        {
            return false;
        }

        Opened(header);
        output.CopyTo(plaintext);
        length = output.Length;
        return true;
    }

    public override int Seal(byte contentType, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        if (plaintext.Length > DtlsWire.MaxPlaintext)
        {
            return 0;
        }

        byte[] input = Scratch;
        plaintext.CopyTo(input);
        ulong sequence = TakeWriteSequence();
        byte[] fragment = cipher.EncodePlaintext(MacSequence(Epoch, sequence), contentType, input, 0, plaintext.Length);
        if (DtlsWire.RecordHeaderLength + fragment.Length > destination.Length)
        {
            return 0;
        }

        DtlsWire.WriteRecordHeader(destination, contentType, Version, Epoch, sequence, fragment.Length);
        fragment.CopyTo(destination[DtlsWire.RecordHeaderLength..]);
        return DtlsWire.RecordHeaderLength + fragment.Length;
    }

    public override void Dispose()
    {
    }

    // RFC 6347 §4.1.2.1: the MAC (and AEAD) sequence number is epoch | sequence_number.
    private static long MacSequence(ushort epoch, ulong sequence) => (long)(((ulong)epoch << 48) | sequence);
}
