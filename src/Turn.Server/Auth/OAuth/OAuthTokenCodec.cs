using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Turn.Protocol;

namespace Turn.Server.Auth.OAuth;

/// <summary>Why <see cref="OAuthTokenCodec.TryDecrypt(ReadOnlySpan{byte}, OAuthKey, ReadOnlySpan{byte}, out OAuthTokenContent?, out OAuthTokenError)"/> refused a token.</summary>
public enum OAuthTokenError
{
    /// <summary>Decrypted and well formed.</summary>
    None,

    /// <summary>Shorter than the 2-byte nonce_length field.</summary>
    TooShort,

    /// <summary>Longer than <see cref="OAuthTokenCodec.MaxTokenLength"/> (coturn's MAX_ENCODED_OAUTH_TOKEN_SIZE).</summary>
    TooLong,

    /// <summary>nonce_length is not the 12 bytes AES-GCM uses.</summary>
    BadNonceLength,

    /// <summary>The nonce, tag or smallest possible encrypted block does not fit in the token.</summary>
    Truncated,

    /// <summary>The AES-GCM tag did not verify: wrong key, wrong server name, or a modified token.</summary>
    IntegrityCheckFailed,

    /// <summary>The decrypted block is not key_length ‖ mac_key ‖ timestamp ‖ lifetime exactly.</summary>
    BadPlaintext,

    /// <summary>key_length is above <see cref="OAuthTokenCodec.MaxMacKeyLength"/> (coturn's MAXSHASIZE).</summary>
    MacKeyTooLong,
}

/// <summary>
/// Encrypts and decrypts RFC 7635 §6.2 self-contained tokens the way coturn does (ns_turn_msg.c
/// encode_oauth_token_gcm / decode_oauth_token_gcm):
/// <code>
/// token = nonce_length (2, = 12) ‖ nonce (12) ‖ AES-GCM(key = AS–RS key, nonce, AAD = server name,
///         plaintext = key_length (2) ‖ mac_key ‖ timestamp (8) ‖ lifetime (4)) ‖ tag (16)
/// </code>
/// The AAD is the server name's bytes without a terminator (coturn: --server-name, default the realm).
/// Every length is checked before anything is read or decrypted, so no token, however malformed, can
/// make it read or write out of bounds or throw: coturn trusted nonce_length and key_length here.
/// </summary>
public static class OAuthTokenCodec
{
    /// <summary>AES-GCM nonce length; the only nonce_length accepted and the one always written.</summary>
    public const int NonceLength = 12;

    /// <summary>AES-GCM tag length.</summary>
    public const int TagLength = 16;

    /// <summary>Longest token accepted (coturn's MAX_ENCODED_OAUTH_TOKEN_SIZE).</summary>
    public const int MaxTokenLength = 1024;

    /// <summary>Longest mac_key accepted or written (coturn's MAXSHASIZE).</summary>
    public const int MaxMacKeyLength = 128;

    /// <summary>Smallest decrypted block: key_length, a 1-byte key, timestamp, lifetime.</summary>
    public const int MinPlaintextLength = 2 + 1 + 8 + 4;

    /// <summary>Length of the token that carries a MAC key of <paramref name="macKeyLength"/> bytes.</summary>
    public static int GetTokenLength(int macKeyLength) => 2 + NonceLength + 2 + macKeyLength + 8 + 4 + TagLength;

    /// <summary>Decrypts <paramref name="token"/> (the OAUTH-ACCESS-TOKEN attribute value); false for any bad token.</summary>
    public static bool TryDecrypt(ReadOnlySpan<byte> token, OAuthKey key, string serverName, [NotNullWhen(true)] out OAuthTokenContent? content) =>
        TryDecrypt(token, key, ServerNameBytes(serverName), out content, out _);

    /// <summary>As <see cref="TryDecrypt(ReadOnlySpan{byte}, OAuthKey, string, out OAuthTokenContent?)"/>, saying why a token was refused.</summary>
    public static bool TryDecrypt(ReadOnlySpan<byte> token, OAuthKey key, string serverName, [NotNullWhen(true)] out OAuthTokenContent? content, out OAuthTokenError error) =>
        TryDecrypt(token, key, ServerNameBytes(serverName), out content, out error);

    /// <summary>Decrypts with the server name already in UTF-8 (the AAD).</summary>
    public static bool TryDecrypt(
        ReadOnlySpan<byte> token,
        OAuthKey key,
        ReadOnlySpan<byte> serverNameUtf8,
        [NotNullWhen(true)] out OAuthTokenContent? content,
        out OAuthTokenError error)
    {
        ArgumentNullException.ThrowIfNull(key);
        content = null;

        // 1. Sizes first, from the outside in; nothing is sliced before it is known to fit.
        if (token.Length > MaxTokenLength)
        {
            error = OAuthTokenError.TooLong;
            return false;
        }

        if (token.Length < 2)
        {
            error = OAuthTokenError.TooShort;
            return false;
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(token) != NonceLength)
        {
            error = OAuthTokenError.BadNonceLength;
            return false;
        }

        if (!OAuthAccessToken.TryReadToken(token, out ReadOnlySpan<byte> nonce, out ReadOnlySpan<byte> block)
            || nonce.Length != NonceLength
            || block.Length < MinPlaintextLength + TagLength)
        {
            error = OAuthTokenError.Truncated;
            return false;
        }

        int cipherLength = block.Length - TagLength;
        ReadOnlySpan<byte> ciphertext = block[..cipherLength];
        ReadOnlySpan<byte> tag = block[cipherLength..];

        // 2. Authenticate and decrypt (the tag covers the server name and the whole block).
        Span<byte> plaintext = stackalloc byte[MaxTokenLength];
        plaintext = plaintext[..cipherLength];
        try
        {
            try
            {
                using var gcm = new AesGcm(key.AsRsKey, TagLength);
                gcm.Decrypt(nonce, ciphertext, tag, plaintext, serverNameUtf8);
            }
            catch (CryptographicException)
            {
                error = OAuthTokenError.IntegrityCheckFailed;
                return false;
            }

            // 3. Parse the block; its key_length must account for every byte.
            if (!OAuthAccessToken.TryReadPlaintext(plaintext, out ReadOnlySpan<byte> macKey, out ulong timestamp, out uint lifetime))
            {
                error = OAuthTokenError.BadPlaintext;
                return false;
            }

            // (key_length 0 cannot get here: the smallest block accepted above holds a 1-byte key.)
            if (macKey.Length > MaxMacKeyLength)
            {
                error = OAuthTokenError.MacKeyTooLong;
                return false;
            }

            content = new OAuthTokenContent(macKey, timestamp, lifetime);
            error = OAuthTokenError.None;
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>
    /// Makes a token for <paramref name="content"/>. <paramref name="nonce"/> must be 12 bytes, or empty
    /// for a fresh random one (as coturn does when no nonce is given).
    /// </summary>
    public static byte[] Encrypt(OAuthKey key, string serverName, OAuthTokenContent content, ReadOnlySpan<byte> nonce = default) =>
        Encrypt(key, ServerNameBytes(serverName), content, nonce);

    /// <summary>As <see cref="Encrypt(OAuthKey, string, OAuthTokenContent, ReadOnlySpan{byte})"/> with the server name already in UTF-8.</summary>
    public static byte[] Encrypt(OAuthKey key, ReadOnlySpan<byte> serverNameUtf8, OAuthTokenContent content, ReadOnlySpan<byte> nonce = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(content);
        int macKeyLength = content.MacKey.Length;
        if (macKeyLength is < 1 or > MaxMacKeyLength)
        {
            throw new ArgumentException($"a MAC key is 1 to {MaxMacKeyLength} bytes", nameof(content));
        }

        if (!nonce.IsEmpty && nonce.Length != NonceLength)
        {
            throw new ArgumentException($"an AES-GCM nonce is {NonceLength} bytes", nameof(nonce));
        }

        Span<byte> iv = stackalloc byte[NonceLength];
        if (nonce.IsEmpty)
        {
            RandomNumberGenerator.Fill(iv);
        }
        else
        {
            nonce.CopyTo(iv);
        }

        int plaintextLength = 2 + macKeyLength + 8 + 4;
        Span<byte> plaintext = stackalloc byte[2 + MaxMacKeyLength + 8 + 4];
        plaintext = plaintext[..plaintextLength];
        byte[] token = new byte[GetTokenLength(macKeyLength)];
        try
        {
            if (!OAuthAccessToken.TryWritePlaintext(plaintext, content.MacKey, content.Timestamp, content.Lifetime, out int written) || written != plaintextLength)
            {
                throw new InvalidOperationException("token plaintext does not fit");
            }

            Span<byte> sealedBlock = stackalloc byte[2 + MaxMacKeyLength + 8 + 4 + TagLength];
            sealedBlock = sealedBlock[..(plaintextLength + TagLength)];
            using (var gcm = new AesGcm(key.AsRsKey, TagLength))
            {
                gcm.Encrypt(iv, plaintext, sealedBlock[..plaintextLength], sealedBlock[plaintextLength..], serverNameUtf8);
            }

            if (!OAuthAccessToken.TryWriteToken(token, iv, sealedBlock, out int tokenLength) || tokenLength != token.Length)
            {
                throw new InvalidOperationException("token does not fit");
            }

            return token;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private static byte[] ServerNameBytes(string serverName)
    {
        ArgumentNullException.ThrowIfNull(serverName);
        return Encoding.UTF8.GetBytes(serverName);
    }
}
