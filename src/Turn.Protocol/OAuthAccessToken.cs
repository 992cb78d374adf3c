using System.Buffers.Binary;

namespace Turn.Protocol;

/// <summary>
/// The self-contained token carried in ACCESS-TOKEN (RFC 7635 §6.2):
/// <code>
/// struct {
///     uint16_t nonce_length;
///     opaque nonce[nonce_length];
///     opaque {
///         uint16_t key_length;
///         opaque mac_key[key_length];
///         uint64_t timestamp;
///         uint32_t lifetime;
///     } encrypted_block;
/// } token;
/// </code>
/// The timestamp is 48 bits of Unix seconds followed by 16 bits of 1/64000 second. Encrypting and
/// decrypting encrypted_block (AEAD, keyed by the server's shared secret) is not done here.
/// </summary>
public static class OAuthAccessToken
{
    /// <summary>Splits a token into its nonce and its (still encrypted) block.</summary>
    public static bool TryReadToken(ReadOnlySpan<byte> token, out ReadOnlySpan<byte> nonce, out ReadOnlySpan<byte> encryptedBlock)
    {
        nonce = encryptedBlock = default;
        if (token.Length < 2)
        {
            return false;
        }

        int nonceLength = BinaryPrimitives.ReadUInt16BigEndian(token);
        if (token.Length < 2 + nonceLength)
        {
            return false;
        }

        nonce = token.Slice(2, nonceLength);
        encryptedBlock = token.Slice(2 + nonceLength);
        return true;
    }

    /// <summary>Writes nonce_length ‖ nonce ‖ encrypted block; false if it does not fit.</summary>
    public static bool TryWriteToken(Span<byte> destination, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> encryptedBlock, out int written)
    {
        written = 0;
        int total = 2 + nonce.Length + encryptedBlock.Length;
        if (nonce.Length > ushort.MaxValue || destination.Length < total)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)nonce.Length);
        nonce.CopyTo(destination.Slice(2));
        encryptedBlock.CopyTo(destination.Slice(2 + nonce.Length));
        written = total;
        return true;
    }

    /// <summary>Reads the decrypted block: key_length ‖ mac_key ‖ timestamp (64) ‖ lifetime (32), exactly.</summary>
    public static bool TryReadPlaintext(ReadOnlySpan<byte> plaintext, out ReadOnlySpan<byte> macKey, out ulong timestamp, out uint lifetime)
    {
        macKey = default;
        timestamp = 0;
        lifetime = 0;
        if (plaintext.Length < 2)
        {
            return false;
        }

        int keyLength = BinaryPrimitives.ReadUInt16BigEndian(plaintext);
        if (plaintext.Length != 2 + keyLength + 8 + 4)
        {
            return false;
        }

        macKey = plaintext.Slice(2, keyLength);
        timestamp = BinaryPrimitives.ReadUInt64BigEndian(plaintext.Slice(2 + keyLength));
        lifetime = BinaryPrimitives.ReadUInt32BigEndian(plaintext.Slice(2 + keyLength + 8));
        return true;
    }

    /// <summary>Writes the block to be encrypted; false if it does not fit.</summary>
    public static bool TryWritePlaintext(Span<byte> destination, ReadOnlySpan<byte> macKey, ulong timestamp, uint lifetime, out int written)
    {
        written = 0;
        int total = 2 + macKey.Length + 12;
        if (macKey.Length > ushort.MaxValue || destination.Length < total)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)macKey.Length);
        macKey.CopyTo(destination.Slice(2));
        BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(2 + macKey.Length), timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(2 + macKey.Length + 8), lifetime);
        written = total;
        return true;
    }

    /// <summary>Encodes a time as the token timestamp: Unix seconds &lt;&lt; 16 | 1/64000 fractions.</summary>
    public static ulong ToTimestamp(DateTimeOffset time)
    {
        long ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        if (ticks < 0)
        {
            return 0;
        }

        ulong seconds = (ulong)(ticks / TimeSpan.TicksPerSecond);
        ulong fraction = (ulong)(ticks % TimeSpan.TicksPerSecond) * 64000UL / TimeSpan.TicksPerSecond;
        return ((seconds & 0xFFFF_FFFF_FFFFUL) << 16) | fraction;
    }

    /// <summary>Decodes a token timestamp (clamped to <see cref="DateTimeOffset.MaxValue"/>).</summary>
    public static DateTimeOffset FromTimestamp(ulong timestamp)
    {
        const ulong lastSecond = 253402300799UL; // 9999-12-31T23:59:59Z in Unix seconds
        ulong seconds = Math.Min(timestamp >> 16, lastSecond);
        ulong fraction = timestamp & 0xFFFF;
        long ticks = (long)seconds * TimeSpan.TicksPerSecond + (long)(fraction * (ulong)TimeSpan.TicksPerSecond / 64000UL);
        long max = DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return DateTimeOffset.UnixEpoch.AddTicks(Math.Min(ticks, max));
    }
}
