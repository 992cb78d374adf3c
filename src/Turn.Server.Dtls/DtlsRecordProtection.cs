namespace Turn.Server.Dtls;

/// <summary>
/// The record layer of an established DTLS session, run by the relay worker that owns the client
/// (RFC 6347 §4.1): record numbering, the anti-replay window, and one cipher. AEAD suites on
/// DTLS 1.2 use <see cref="AeadRecordProtection"/> (this project's code, nothing allocated per
/// record); anything else (DTLS 1.0 and CBC suites) goes through BouncyCastle's cipher.
/// </summary>
public abstract class DtlsRecordProtection : IDisposable
{
    /// <summary>Room a sealed record needs beyond its plaintext (header, explicit IV or nonce, MAC or tag, CBC padding).</summary>
    public const int MaxOverhead = DtlsWire.RecordHeaderLength + 16 + 48 + 256;

    private ulong _writeSequence;
    private DtlsReplayWindow _window;

    protected DtlsRecordProtection(DtlsCipherSuite suite, ushort version, ushort epoch, ulong firstWriteSequence)
    {
        Suite = suite;
        Version = version;
        Epoch = epoch;
        _writeSequence = firstWriteSequence;
    }

    public DtlsCipherSuite Suite { get; }

    /// <summary>The negotiated version as written in record headers (DTLS 1.2 = 0xFEFD, 1.0 = 0xFEFF).</summary>
    public ushort Version { get; }

    public ushort Epoch { get; }

    /// <summary>The next sequence number this side writes (continuing after the handshake's records).</summary>
    public ulong NextWriteSequence => _writeSequence;

    /// <summary>
    /// Authenticates and decrypts one record (<paramref name="record"/>: header and fragment) into
    /// <paramref name="plaintext"/>. False for another epoch, a replay, or a record that does not
    /// authenticate: RFC 6347 §4.1.2.7 says to drop those silently.
    /// </summary>
    public abstract bool TryOpen(in DtlsRecordHeader header, ReadOnlySpan<byte> record, Span<byte> plaintext, out int length);

    /// <summary>
    /// Writes one record of <paramref name="contentType"/> holding <paramref name="plaintext"/> into
    /// <paramref name="destination"/> (needs <see cref="MaxOverhead"/> more bytes); returns its
    /// length, or 0 when the plaintext is larger than a record may carry.
    /// </summary>
    public abstract int Seal(byte contentType, ReadOnlySpan<byte> plaintext, Span<byte> destination);

    public abstract void Dispose();

    /// <summary>This epoch, and not seen before (RFC 6347 §4.1.2.6): worth decrypting.</summary>
    protected bool MayOpen(in DtlsRecordHeader header) => header.Epoch == Epoch && _window.MayAccept(header.Sequence);

    /// <summary>The record authenticated: its number enters the window.</summary>
    protected void Opened(in DtlsRecordHeader header) => _window.Mark(header.Sequence);

    protected ulong TakeWriteSequence() => _writeSequence++;
}
