using System.Buffers.Binary;

namespace Turn.Protocol;

/// <summary>
/// A parsed STUN message: a view over the caller's bytes. Parsing allocates nothing and never throws;
/// every offset it keeps has been bounds-checked.
/// </summary>
/// <remarks>
/// Ordering rules (RFC 8489 §14.5–§14.7) applied while parsing:
/// <list type="bullet">
/// <item>after MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are seen; anything else is ignored;</item>
/// <item>after MESSAGE-INTEGRITY-SHA256 only FINGERPRINT is seen; anything else is ignored;</item>
/// <item>FINGERPRINT must be the last attribute, otherwise the message is <see cref="StunParseStatus.Malformed"/>.</item>
/// </list>
/// Ignored attributes are still framing-checked but are invisible to <see cref="TryGetAttribute(StunAttributeType, out ReadOnlySpan{byte})"/>,
/// to <see cref="GetAttributes()"/> and to the unknown-attribute scan.
/// </remarks>
public ref partial struct StunMessage
{
    private ReadOnlySpan<byte> _raw;

    // Offset (from the start of the message) where the first of MI / MI-SHA256 / FINGERPRINT begins, or the
    // message end. Ordinary attributes are looked up in [HeaderLength, _visibleEnd).
    private int _visibleEnd;

    // Offsets of the attribute headers of the integrity attributes that count, or -1.
    private int _messageIntegrityOffset;
    private int _messageIntegritySha256Offset;
    private int _fingerprintOffset;

    private int _unknownComprehensionRequiredCount;
    private bool _hasMagicCookie;

    /// <summary>
    /// Parses exactly one STUN message that fills <paramref name="packet"/> (a UDP datagram, or a frame
    /// cut by <see cref="StreamFraming"/>). Never throws; allocates nothing.
    /// </summary>
    public static StunParseStatus TryParse(ReadOnlySpan<byte> packet, out StunMessage message)
    {
        message = default;

        // RFC 8489 §6.3: at least a header, and the two most significant bits are zero.
        if (packet.Length < Stun.HeaderLength || (packet[0] & 0xC0) != 0)
        {
            return StunParseStatus.NotStun;
        }

        bool cookie = BinaryPrimitives.ReadUInt32BigEndian(packet.Slice(4, 4)) == Stun.MagicCookie;

        // Without the cookie (RFC 3489) any framing error means "this is not STUN at all" (DTLS also starts
        // with 00 bits); with it, the sender claimed to speak STUN, so the same error is "malformed".
        StunParseStatus failure = cookie ? StunParseStatus.Malformed : StunParseStatus.NotStun;

        int bodyLength = BinaryPrimitives.ReadUInt16BigEndian(packet.Slice(2, 2));

        // RFC 8489 §5: the last two bits of the length are zero; the packet holds exactly one message.
        if ((bodyLength & 0x3) != 0 || Stun.HeaderLength + bodyLength != packet.Length)
        {
            return failure;
        }

        int end = packet.Length;
        int offset = Stun.HeaderLength;
        int visibleEnd = end;
        int mi = -1, mi256 = -1, fp = -1;
        int unknown = 0;

        // 0: ordinary, 1: after MESSAGE-INTEGRITY, 2: after MESSAGE-INTEGRITY-SHA256, 3: after FINGERPRINT.
        int state = 0;

        while (offset < end)
        {
            if (end - offset < Stun.AttributeHeaderLength)
            {
                return failure;
            }

            ushort type = BinaryPrimitives.ReadUInt16BigEndian(packet.Slice(offset, 2));
            int length = BinaryPrimitives.ReadUInt16BigEndian(packet.Slice(offset + 2, 2));

            // RFC 8489 §14: the value is padded to a multiple of 4; the padding must be inside the message.
            int next = offset + Stun.AttributeHeaderLength + Stun.Pad4(length);
            if (next > end)
            {
                return failure;
            }

            if (state == 3)
            {
                // RFC 8489 §14.7: FINGERPRINT is the last attribute.
                return failure;
            }

            switch (type)
            {
                case (ushort)StunAttributeType.MessageIntegrity:
                    if (state == 0)
                    {
                        mi = offset;
                        visibleEnd = offset;
                        state = 1;
                    }

                    // A second MESSAGE-INTEGRITY, or one after MI-SHA256, is ignored (§14.5, §14.6).
                    break;

                case (ushort)StunAttributeType.MessageIntegritySha256:
                    if (state <= 1)
                    {
                        mi256 = offset;
                        if (state == 0)
                        {
                            visibleEnd = offset;
                        }

                        state = 2;
                    }

                    break;

                case (ushort)StunAttributeType.Fingerprint:
                    if (length != 4)
                    {
                        return failure;
                    }

                    fp = offset;
                    if (state == 0)
                    {
                        visibleEnd = offset;
                    }

                    state = 3;
                    break;

                default:
                    if (state == 0 && StunAttributeTypes.IsUnknownComprehensionRequired(type))
                    {
                        unknown++;
                    }

                    // In states 1 and 2 the attribute is ignored (§14.5, §14.6).
                    break;
            }

            offset = next;
        }

        message._raw = packet;
        message._visibleEnd = visibleEnd;
        message._messageIntegrityOffset = mi;
        message._messageIntegritySha256Offset = mi256;
        message._fingerprintOffset = fp;
        message._unknownComprehensionRequiredCount = unknown;
        message._hasMagicCookie = cookie;
        return StunParseStatus.Ok;
    }

    /// <summary>The whole message (header included), exactly as received.</summary>
    public readonly ReadOnlySpan<byte> Raw => _raw;

    /// <summary>True once <see cref="TryParse"/> succeeded (false for <c>default</c>).</summary>
    public readonly bool IsValid => _raw.Length >= Stun.HeaderLength;

    /// <summary>The 14-bit message type (method and class).</summary>
    public readonly ushort MessageType => IsValid ? (ushort)(BinaryPrimitives.ReadUInt16BigEndian(_raw) & 0x3FFF) : (ushort)0;

    /// <summary>The method (may be a value that <see cref="StunMethod"/> does not name).</summary>
    public readonly StunMethod Method => Stun.GetMethod(MessageType);

    /// <summary>The class.</summary>
    public readonly StunClass Class => Stun.GetClass(MessageType);

    /// <summary>True for a request.</summary>
    public readonly bool IsRequest => Class == StunClass.Request;

    /// <summary>True for an indication.</summary>
    public readonly bool IsIndication => Class == StunClass.Indication;

    /// <summary>True for a success response.</summary>
    public readonly bool IsSuccessResponse => Class == StunClass.SuccessResponse;

    /// <summary>True for an error response.</summary>
    public readonly bool IsErrorResponse => Class == StunClass.ErrorResponse;

    /// <summary>The value of the header's length field (bytes after the header).</summary>
    public readonly int BodyLength => IsValid ? _raw.Length - Stun.HeaderLength : 0;

    /// <summary>
    /// False for an RFC 3489 ("classic") message, which has no magic cookie. Such a client is answered
    /// with MAPPED-ADDRESS (not XOR-MAPPED-ADDRESS) and the 16-byte <see cref="ClassicTransactionId"/>.
    /// </summary>
    public readonly bool HasMagicCookie => _hasMagicCookie;

    /// <summary>The 12-byte transaction id (bytes 8..19).</summary>
    public readonly ReadOnlySpan<byte> TransactionId
        => IsValid ? _raw.Slice(8, Stun.TransactionIdLength) : ReadOnlySpan<byte>.Empty;

    /// <summary>
    /// The 16 bytes after the length field (bytes 4..19): the RFC 3489 transaction id. For a message with the
    /// cookie this is cookie + transaction id.
    /// </summary>
    public readonly ReadOnlySpan<byte> ClassicTransactionId
        => IsValid ? _raw.Slice(4, Stun.ClassicTransactionIdLength) : ReadOnlySpan<byte>.Empty;

    /// <summary>True if a MESSAGE-INTEGRITY counts (it is not after MI-SHA256 or FINGERPRINT).</summary>
    public readonly bool HasMessageIntegrity => _messageIntegrityOffset >= 0 && IsValid;

    /// <summary>True if a MESSAGE-INTEGRITY-SHA256 counts.</summary>
    public readonly bool HasMessageIntegritySha256 => _messageIntegritySha256Offset >= 0 && IsValid;

    /// <summary>True if the message ends with FINGERPRINT.</summary>
    public readonly bool HasFingerprint => _fingerprintOffset >= 0 && IsValid;

    /// <summary>
    /// True if a comprehension-required attribute (0x0000–0x7FFF) that this library does not know appears
    /// before the integrity attributes: a request must then be answered with 420 (RFC 8489 §7.3.1).
    /// </summary>
    public readonly bool HasUnknownComprehensionRequired => _unknownComprehensionRequiredCount > 0 && IsValid;

    /// <summary>How many unknown comprehension-required attributes appear (duplicates counted).</summary>
    public readonly int UnknownComprehensionRequiredCount => IsValid ? _unknownComprehensionRequiredCount : 0;

    /// <summary>Offset of the MESSAGE-INTEGRITY attribute header, or -1.</summary>
    public readonly int MessageIntegrityOffset => IsValid ? _messageIntegrityOffset : -1;

    /// <summary>Offset of the MESSAGE-INTEGRITY-SHA256 attribute header, or -1.</summary>
    public readonly int MessageIntegritySha256Offset => IsValid ? _messageIntegritySha256Offset : -1;

    /// <summary>Offset of the FINGERPRINT attribute header, or -1.</summary>
    public readonly int FingerprintOffset => IsValid ? _fingerprintOffset : -1;
}
