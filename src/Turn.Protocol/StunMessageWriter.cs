using System.Buffers.Binary;

namespace Turn.Protocol;

/// <summary>
/// Writes a STUN message into a caller's buffer. Nothing is allocated and running out of room never
/// throws: the writer stops writing, sets <see cref="Overflowed"/>, and <see cref="Length"/> stays at the
/// last complete attribute. The header's length field is kept current after every attribute.
/// </summary>
/// <remarks>
/// Arguments that can never make a valid message (a transaction id of the wrong size, an error code
/// outside 300..699, a MESSAGE-INTEGRITY-SHA256 length outside 16..32, adding an attribute before the
/// header) throw <see cref="ArgumentException"/> / <see cref="InvalidOperationException"/>: those are bugs
/// in the caller, not conditions of the input. The writer does not police attribute order; write
/// MESSAGE-INTEGRITY, then MESSAGE-INTEGRITY-SHA256, then FINGERPRINT last (RFC 8489 §14.5–§14.7).
/// </remarks>
public ref partial struct StunMessageWriter
{
    private readonly Span<byte> _buffer;
    private int _length;
    private bool _overflowed;
    private bool _hasHeader;
    private byte _paddingByte;

    /// <summary>Starts a writer over <paramref name="destination"/>.</summary>
    public StunMessageWriter(Span<byte> destination)
    {
        _buffer = destination;
        _length = 0;
        _overflowed = false;
        _hasHeader = false;
        _paddingByte = 0;
    }

    /// <summary>
    /// The byte used to pad attribute values to 4 bytes: 0 by default, as RFC 8489 §14 requires of senders.
    /// RFC 5389 allowed any value (receivers ignore it); RFC 5769 §2.1–§2.3 pad with 0x20, so setting this to
    /// 0x20 reproduces those vectors byte for byte.
    /// </summary>
    public byte PaddingByte
    {
        readonly get => _paddingByte;
        set => _paddingByte = value;
    }

    /// <summary>True once something did not fit; the message must not be sent.</summary>
    public readonly bool Overflowed => _overflowed;

    /// <summary>Bytes written so far (header included).</summary>
    public readonly int Length => _length;

    /// <summary>The message written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer.Slice(0, _length);

    /// <summary>Room left in the buffer.</summary>
    public readonly int Remaining => _buffer.Length - _length;

    /// <summary>The 12 transaction id bytes of the header written (empty before the header).</summary>
    public readonly ReadOnlySpan<byte> TransactionId
        => _length >= Stun.HeaderLength ? _buffer.Slice(8, Stun.TransactionIdLength) : ReadOnlySpan<byte>.Empty;

    /// <summary>Writes an RFC 5389/8489 header: type, length 0, magic cookie, 12-byte transaction id.</summary>
    /// <exception cref="ArgumentException">The transaction id is not 12 bytes.</exception>
    public void WriteHeader(StunMethod method, StunClass cls, scoped ReadOnlySpan<byte> transactionId)
        => WriteHeader(Stun.GetMessageType(method, cls), transactionId);

    /// <summary>Writes a header with a raw 14-bit message type.</summary>
    /// <exception cref="ArgumentException">The transaction id is not 12 bytes.</exception>
    public void WriteHeader(ushort messageType, scoped ReadOnlySpan<byte> transactionId)
    {
        if (transactionId.Length != Stun.TransactionIdLength)
        {
            throw new ArgumentException("A STUN transaction id is 12 bytes.", nameof(transactionId));
        }

        if (!BeginHeader(messageType))
        {
            return;
        }

        BinaryPrimitives.WriteUInt32BigEndian(_buffer.Slice(4, 4), Stun.MagicCookie);
        transactionId.CopyTo(_buffer.Slice(8, Stun.TransactionIdLength));
    }

    /// <summary>
    /// Writes an RFC 3489 header (no magic cookie): type, length 0, the 16-byte transaction id
    /// of the request being answered.
    /// </summary>
    /// <exception cref="ArgumentException">The transaction id is not 16 bytes.</exception>
    public void WriteClassicHeader(ushort messageType, scoped ReadOnlySpan<byte> transactionId16)
    {
        if (transactionId16.Length != Stun.ClassicTransactionIdLength)
        {
            throw new ArgumentException("An RFC 3489 transaction id is 16 bytes.", nameof(transactionId16));
        }

        if (!BeginHeader(messageType))
        {
            return;
        }

        transactionId16.CopyTo(_buffer.Slice(4, Stun.ClassicTransactionIdLength));
    }

    /// <summary>Appends a TLV attribute with the value copied in and zero padding (RFC 8489 §14).</summary>
    public void AddAttribute(StunAttributeType type, scoped ReadOnlySpan<byte> value) => AddAttribute((ushort)type, value);

    /// <summary>Appends a TLV attribute with a raw type number.</summary>
    public void AddAttribute(ushort type, scoped ReadOnlySpan<byte> value)
    {
        if (TryReserve(type, value.Length, out Span<byte> destination))
        {
            value.CopyTo(destination);
        }
    }

    /// <summary>
    /// Appends an attribute header and padding and returns the value span for the caller to fill (e.g. DATA
    /// received straight into the message). False (and <see cref="Overflowed"/>) if it does not fit.
    /// </summary>
    public bool TryReserveAttribute(StunAttributeType type, int valueLength, out Span<byte> value)
        => TryReserve((ushort)type, valueLength, out value);

    /// <summary>Appends a zero-length attribute (DONT-FRAGMENT, USE-CANDIDATE, empty MOBILITY-TICKET...).</summary>
    public void AddEmpty(StunAttributeType type) => AddAttribute((ushort)type, ReadOnlySpan<byte>.Empty);

    private bool BeginHeader(ushort messageType)
    {
        _hasHeader = true;
        _length = 0;
        if (_buffer.Length < Stun.HeaderLength)
        {
            _overflowed = true;
            return false;
        }

        _overflowed = false;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer, (ushort)(messageType & 0x3FFF));
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(2, 2), 0);
        _length = Stun.HeaderLength;
        return true;
    }

    /// <summary>Reserves header + padded value, zeroes the padding, updates the length field.</summary>
    private bool TryReserve(ushort type, int valueLength, out Span<byte> value)
    {
        value = default;
        if (!_hasHeader)
        {
            throw new InvalidOperationException("Write the header before adding attributes.");
        }

        if (_overflowed)
        {
            return false;
        }

        int padded = Stun.Pad4(valueLength);
        int total = _length + Stun.AttributeHeaderLength + padded;
        if (valueLength < 0 || valueLength > ushort.MaxValue || total - Stun.HeaderLength > Stun.MaxBodyLength || total > _buffer.Length)
        {
            _overflowed = true;
            return false;
        }

        Span<byte> attribute = _buffer.Slice(_length, Stun.AttributeHeaderLength + padded);
        BinaryPrimitives.WriteUInt16BigEndian(attribute, type);
        BinaryPrimitives.WriteUInt16BigEndian(attribute.Slice(2, 2), (ushort)valueLength);
        attribute.Slice(Stun.AttributeHeaderLength + valueLength).Fill(_paddingByte); // RFC 8489 §14: zero by default
        value = attribute.Slice(Stun.AttributeHeaderLength, valueLength);
        _length = total;
        SetBodyLength(_length - Stun.HeaderLength);
        return true;
    }

    private readonly void SetBodyLength(int bodyLength)
        => BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(2, 2), (ushort)bodyLength);
}
