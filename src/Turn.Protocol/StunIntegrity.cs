using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Turn.Protocol;

/// <summary>
/// Verification of MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5), MESSAGE-INTEGRITY-SHA256
/// (HMAC-SHA256, §14.6) and FINGERPRINT (CRC-32, §14.7). MACs are compared in constant time.
/// Messages up to <see cref="StackCopyLimit"/> bytes are verified without allocating; larger ones
/// borrow a buffer from <see cref="ArrayPool{T}.Shared"/>.
/// </summary>
public static class StunIntegrity
{
    /// <summary>Largest prefix copied on the stack for MAC computation.</summary>
    public const int StackCopyLimit = 2048;

    /// <summary>
    /// True if the message has MESSAGE-INTEGRITY and its HMAC-SHA1 under <paramref name="key"/> matches.
    /// The HMAC covers the message up to the attribute, with the header length set as if the attribute
    /// were the last one (RFC 8489 §14.5).
    /// </summary>
    public static bool VerifyMessageIntegrity(in StunMessage message, ReadOnlySpan<byte> key)
    {
        if (!message.TryGetAttribute(StunAttributeType.MessageIntegrity, out ReadOnlySpan<byte> mac)
            || mac.Length != Stun.MessageIntegrityLength)
        {
            return false;
        }

        Span<byte> computed = stackalloc byte[HMACSHA1.HashSizeInBytes];
        ComputeMac(message.Raw, message.MessageIntegrityOffset, mac.Length, key, sha256: false, computed);
        return CryptographicOperations.FixedTimeEquals(computed, mac);
    }

    /// <summary>
    /// True if the message has MESSAGE-INTEGRITY-SHA256 of a valid length (16..32, multiple of 4) and the
    /// first that-many bytes of its HMAC-SHA256 under <paramref name="key"/> match (RFC 8489 §14.6).
    /// </summary>
    public static bool VerifyMessageIntegritySha256(in StunMessage message, ReadOnlySpan<byte> key)
    {
        if (!message.TryGetAttribute(StunAttributeType.MessageIntegritySha256, out ReadOnlySpan<byte> mac)
            || !StunAttributeReader.IsValidSha256Length(mac.Length))
        {
            return false;
        }

        Span<byte> computed = stackalloc byte[HMACSHA256.HashSizeInBytes];
        ComputeMac(message.Raw, message.MessageIntegritySha256Offset, mac.Length, key, sha256: true, computed);
        return CryptographicOperations.FixedTimeEquals(computed.Slice(0, mac.Length), mac);
    }

    /// <summary>
    /// True if the message ends with FINGERPRINT and it equals CRC-32(message before it) XOR 0x5354554E
    /// (RFC 8489 §14.7). FINGERPRINT is last, so the header length already counts it.
    /// </summary>
    public static bool VerifyFingerprint(in StunMessage message)
    {
        if (!message.TryGetAttribute(StunAttributeType.Fingerprint, out ReadOnlySpan<byte> value) || value.Length != 4)
        {
            return false;
        }

        uint expected = ComputeFingerprint(message.Raw.Slice(0, message.FingerprintOffset));
        return BinaryPrimitives.ReadUInt32BigEndian(value) == expected;
    }

    /// <summary>CRC-32 XOR 0x5354554E of the given bytes.</summary>
    public static uint ComputeFingerprint(ReadOnlySpan<byte> messageBeforeFingerprint)
        => Crc32.Compute(messageBeforeFingerprint) ^ Stun.FingerprintXor;

    /// <summary>
    /// Computes the HMAC for an integrity attribute whose header starts at <paramref name="attributeOffset"/>
    /// in <paramref name="message"/> and whose value is <paramref name="macLength"/> bytes: the bytes before the
    /// attribute with the length field patched to end right after it. Writes the full HMAC (20 or 32 bytes).
    /// </summary>
    internal static void ComputeMac(ReadOnlySpan<byte> message, int attributeOffset, int macLength, ReadOnlySpan<byte> key, bool sha256, Span<byte> destination)
    {
        ReadOnlySpan<byte> covered = message.Slice(0, attributeOffset);
        ushort adjustedLength = (ushort)(attributeOffset + Stun.AttributeHeaderLength + macLength - Stun.HeaderLength);

        byte[]? rented = null;
        Span<byte> copy = covered.Length <= StackCopyLimit
            ? stackalloc byte[StackCopyLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(covered.Length));
        try
        {
            copy = copy.Slice(0, covered.Length);
            covered.CopyTo(copy);
            BinaryPrimitives.WriteUInt16BigEndian(copy.Slice(2, 2), adjustedLength);
            if (sha256)
            {
                HMACSHA256.HashData(key, copy, destination);
            }
            else
            {
                HMACSHA1.HashData(key, copy, destination);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
