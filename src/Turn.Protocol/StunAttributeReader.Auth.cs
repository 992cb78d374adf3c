using System.Buffers.Binary;

namespace Turn.Protocol;

public static partial class StunAttributeReader
{
    /// <summary>USERHASH (RFC 8489 §14.4): exactly 32 bytes.</summary>
    public static bool TryReadUserHash(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> hash)
    {
        hash = value.Length == Stun.UserHashLength ? value : default;
        return value.Length == Stun.UserHashLength;
    }

    /// <summary>MESSAGE-INTEGRITY (RFC 8489 §14.5): exactly 20 bytes.</summary>
    public static bool TryReadMessageIntegrity(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> hmac)
    {
        hmac = value.Length == Stun.MessageIntegrityLength ? value : default;
        return value.Length == Stun.MessageIntegrityLength;
    }

    /// <summary>MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6): 16 to 32 bytes, a multiple of 4.</summary>
    public static bool TryReadMessageIntegritySha256(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> hmac)
    {
        bool ok = IsValidSha256Length(value.Length);
        hmac = ok ? value : default;
        return ok;
    }

    /// <summary>FINGERPRINT (RFC 8489 §14.7): 4 bytes.</summary>
    public static bool TryReadFingerprint(ReadOnlySpan<byte> value, out uint fingerprint) => TryReadUInt32(value, out fingerprint);

    /// <summary>
    /// PASSWORD-ALGORITHM (RFC 8489 §14.12):
    /// <code>
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |          Algorithm            |  Algorithm Parameters Length  |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |                    Algorithm Parameters (variable)           ..
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// </code>
    /// The parameters are padded to 4 bytes inside the value; the padding may be absent.
    /// </summary>
    public static bool TryReadPasswordAlgorithm(ReadOnlySpan<byte> value, out StunPasswordAlgorithm algorithm, out ReadOnlySpan<byte> parameters)
    {
        algorithm = 0;
        parameters = default;
        if (value.Length < 4)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(value.Slice(2, 2));
        if (value.Length < 4 + length || value.Length > 4 + Stun.Pad4(length))
        {
            return false;
        }

        algorithm = (StunPasswordAlgorithm)BinaryPrimitives.ReadUInt16BigEndian(value);
        parameters = value.Slice(4, length);
        return true;
    }

    /// <summary>
    /// PASSWORD-ALGORITHMS (RFC 8489 §14.11): a list of (algorithm, parameters length, padded parameters).
    /// Copies the algorithm numbers into <paramref name="destination"/>; false if the list is malformed or
    /// does not fit.
    /// </summary>
    public static bool TryReadPasswordAlgorithms(ReadOnlySpan<byte> value, Span<StunPasswordAlgorithm> destination, out int count)
    {
        count = 0;
        int offset = 0;
        while (offset < value.Length)
        {
            if (value.Length - offset < 4)
            {
                return false;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(value.Slice(offset + 2, 2));
            int next = offset + 4 + Stun.Pad4(length);
            if (next > value.Length || count >= destination.Length)
            {
                return false;
            }

            destination[count++] = (StunPasswordAlgorithm)BinaryPrimitives.ReadUInt16BigEndian(value.Slice(offset, 2));
            offset = next;
        }

        return true;
    }

    /// <summary>True if a well-formed PASSWORD-ALGORITHMS value lists <paramref name="algorithm"/>.</summary>
    public static bool PasswordAlgorithmsContains(ReadOnlySpan<byte> value, StunPasswordAlgorithm algorithm)
    {
        int offset = 0;
        bool found = false;
        while (offset < value.Length)
        {
            if (value.Length - offset < 4)
            {
                return false;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(value.Slice(offset + 2, 2));
            int next = offset + 4 + Stun.Pad4(length);
            if (next > value.Length)
            {
                return false;
            }

            found |= BinaryPrimitives.ReadUInt16BigEndian(value.Slice(offset, 2)) == (ushort)algorithm;
            offset = next;
        }

        return found;
    }

    /// <summary>
    /// ACCESS-TOKEN (RFC 7635 §6.2) outer layout: <c>uint16 nonce_length; opaque nonce[nonce_length];
    /// opaque encrypted_block[rest]</c>. Decrypting the block is the server's business; see
    /// <see cref="OAuthAccessToken"/> for the plaintext layout.
    /// </summary>
    public static bool TryReadAccessToken(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> nonce, out ReadOnlySpan<byte> encryptedBlock)
        => OAuthAccessToken.TryReadToken(value, out nonce, out encryptedBlock);

    /// <summary>
    /// Opaque values returned as they are: DATA (RFC 8656 §18.4), PADDING (RFC 5780 §7.6), MOBILITY-TICKET
    /// (RFC 8016 §3.3). Always true; present so every attribute kind has a reader.
    /// </summary>
    public static bool TryReadOpaque(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> bytes)
    {
        bytes = value;
        return true;
    }

    /// <summary>RESERVATION-TOKEN as its 8 raw bytes.</summary>
    public static bool TryReadReservationToken(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> token)
    {
        token = value.Length == Stun.ReservationTokenLength ? value : default;
        return value.Length == Stun.ReservationTokenLength;
    }

    internal static bool IsValidSha256Length(int length)
        => length >= Stun.MessageIntegritySha256MinLength && length <= Stun.MessageIntegritySha256MaxLength && (length & 3) == 0;
}
