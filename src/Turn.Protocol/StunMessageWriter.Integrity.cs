using System.Buffers.Binary;

namespace Turn.Protocol;

public ref partial struct StunMessageWriter
{
    /// <summary>
    /// Appends MESSAGE-INTEGRITY (RFC 8489 §14.5): HMAC-SHA1 under <paramref name="key"/> over the message
    /// so far, with the header length already counting this 24-byte attribute.
    /// </summary>
    public void AddMessageIntegrity(scoped ReadOnlySpan<byte> key)
    {
        int offset = _length;
        if (TryReserve((ushort)StunAttributeType.MessageIntegrity, Stun.MessageIntegrityLength, out Span<byte> value))
        {
            // TryReserve already set the length field to include the attribute; hash what precedes it.
            Span<byte> mac = stackalloc byte[20];
            System.Security.Cryptography.HMACSHA1.HashData(key, _buffer.Slice(0, offset), mac);
            mac.CopyTo(value);
        }
    }

    /// <summary>
    /// Appends MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6): HMAC-SHA256 truncated to <paramref name="length"/>
    /// bytes (16..32, a multiple of 4), the header length counting the truncated attribute.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Bad length.</exception>
    public void AddMessageIntegritySha256(scoped ReadOnlySpan<byte> key, int length = Stun.MessageIntegritySha256MaxLength)
    {
        if (!StunAttributeReader.IsValidSha256Length(length))
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "MESSAGE-INTEGRITY-SHA256 is 16..32 bytes, a multiple of 4 (RFC 8489 §14.6).");
        }

        int offset = _length;
        if (TryReserve((ushort)StunAttributeType.MessageIntegritySha256, length, out Span<byte> value))
        {
            Span<byte> mac = stackalloc byte[32];
            System.Security.Cryptography.HMACSHA256.HashData(key, _buffer.Slice(0, offset), mac);
            mac.Slice(0, length).CopyTo(value);
        }
    }

    /// <summary>
    /// Appends FINGERPRINT (RFC 8489 §14.7): CRC-32 of the message so far (length field counting the
    /// 8-byte attribute) XOR 0x5354554E. Must be the last attribute.
    /// </summary>
    public void AddFingerprint()
    {
        int offset = _length;
        if (TryReserve((ushort)StunAttributeType.Fingerprint, 4, out Span<byte> value))
        {
            BinaryPrimitives.WriteUInt32BigEndian(value, StunIntegrity.ComputeFingerprint(_buffer.Slice(0, offset)));
        }
    }
}
