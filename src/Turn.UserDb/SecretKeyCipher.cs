using System.Security.Cryptography;
using System.Text;

namespace Turn.UserDb;

/// <summary>
/// coturn's AES-128 protection of a database password (<c>turnadmin -x/-E/-f/-v</c>, <c>turnserver --secret-key-file</c>):
/// the key file holds 16 key bytes (turnadmin writes 16 random letters and digits); the password is encrypted with
/// AES-128 in CTR mode from an all-zero counter block and printed as one line of base64.
/// </summary>
/// <remarks>
/// Checked against coturn 4.6.1 and <c>openssl enc -aes-128-ctr -iv 0</c>. This is obfuscation at rest, not strong
/// encryption (fixed counter: equal prefixes give equal ciphertext); it exists for compatibility with coturn's files.
/// </remarks>
public static class SecretKeyCipher
{
    /// <summary>Key length in bytes (AES-128).</summary>
    public const int KeyLength = 16;

    private const string KeyAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /// <summary>A fresh key as coturn's turnadmin -x writes it: 16 random ASCII letters and digits.</summary>
    public static string GenerateKeyText() => new(RandomNumberGenerator.GetItems<char>(KeyAlphabet, KeyLength));

    /// <summary>Reads a key file: its first 16 bytes (coturn reads exactly that many).</summary>
    /// <exception cref="InvalidDataException">The file holds fewer than 16 bytes.</exception>
    public static byte[] ReadKeyFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using FileStream stream = File.OpenRead(path);
        byte[] key = new byte[KeyLength];
        int read = stream.ReadAtLeast(key, KeyLength, throwOnEndOfStream: false);
        if (read < KeyLength)
        {
            CryptographicOperations.ZeroMemory(key);
            throw new InvalidDataException(read == 0 ? "the key file is empty" : $"the key file holds {read} bytes, {KeyLength} are needed");
        }

        return key;
    }

    /// <summary>Encrypts <paramref name="plaintext"/> (UTF-8) and returns base64, as <c>turnadmin -E</c> prints it.</summary>
    public static string Encrypt(ReadOnlySpan<byte> key, string plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        byte[] data = Encoding.UTF8.GetBytes(plaintext);
        try
        {
            Ctr(key, data);
            return Convert.ToBase64String(data);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }

    /// <summary>Decrypts base64 made by <see cref="Encrypt"/> (or coturn's turnadmin -E) back to the password.</summary>
    /// <exception cref="FormatException"><paramref name="base64"/> is not base64, or the result is not UTF-8 text (wrong key).</exception>
    public static string Decrypt(ReadOnlySpan<byte> key, string base64)
    {
        ArgumentNullException.ThrowIfNull(base64);
        byte[] data = Convert.FromBase64String(base64.Trim());
        try
        {
            Ctr(key, data);
            var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
            try
            {
                return strict.GetString(data);
            }
            catch (DecoderFallbackException e)
            {
                throw new FormatException("The decrypted value is not text: wrong key or not an encrypted password.", e);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }

    // AES-128-CTR in place, 128-bit big-endian counter starting at zero (OpenSSL CRYPTO_ctr128_encrypt with a zero IV).
    private static void Ctr(ReadOnlySpan<byte> key, Span<byte> data)
    {
        if (key.Length != KeyLength)
        {
            throw new ArgumentException($"The key must be {KeyLength} bytes.", nameof(key));
        }

        using var aes = Aes.Create();
        aes.Key = key.ToArray();
        Span<byte> counter = stackalloc byte[16];
        counter.Clear();
        Span<byte> stream = stackalloc byte[16];
        for (int offset = 0; offset < data.Length; offset += 16)
        {
            aes.EncryptEcb(counter, stream, PaddingMode.None);
            int n = Math.Min(16, data.Length - offset);
            for (int i = 0; i < n; i++)
            {
                data[offset + i] ^= stream[i];
            }

            for (int i = 15; i >= 0; i--)
            {
                if (++counter[i] != 0)
                {
                    break;
                }
            }
        }

        stream.Clear();
    }
}
