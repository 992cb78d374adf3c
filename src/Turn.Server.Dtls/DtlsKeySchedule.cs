using System.Security.Cryptography;
using System.Text;

namespace Turn.Server.Dtls;

/// <summary>
/// TLS 1.2 key expansion (RFC 5246 §5 PRF, §6.3 key block), done once per handshake from the
/// master secret the handshake established.
/// </summary>
public static class DtlsKeySchedule
{
    /// <summary>
    /// key_block = PRF(master_secret, "key expansion", server_random + client_random), cut into
    /// client_write_key, server_write_key, client_write_IV, server_write_IV (AEAD suites have no MAC keys).
    /// </summary>
    public static (byte[] ClientKey, byte[] ServerKey, byte[] ClientIv, byte[] ServerIv) Expand(
        DtlsCipherSuite suite, ReadOnlySpan<byte> masterSecret, ReadOnlySpan<byte> clientRandom, ReadOnlySpan<byte> serverRandom)
    {
        byte[] seed = [.. serverRandom, .. clientRandom];
        int k = suite.KeyLength;
        int iv = suite.FixedIvLength;
        byte[] block = Prf(suite.Sha384, masterSecret, "key expansion", seed, (2 * k) + (2 * iv));
        try
        {
            return (block[..k], block[k..(2 * k)], block[(2 * k)..((2 * k) + iv)], block[((2 * k) + iv)..]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(block);
        }
    }

    /// <summary>RFC 5246 §5: PRF(secret, label, seed) = P_hash(secret, label + seed), with SHA-256 or SHA-384.</summary>
    public static byte[] Prf(bool sha384, ReadOnlySpan<byte> secret, string label, ReadOnlySpan<byte> seed, int length)
    {
        byte[] labelSeed = [.. Encoding.ASCII.GetBytes(label), .. seed];
        int hashLength = sha384 ? 48 : 32;
        byte[] output = new byte[length];
        byte[] a = labelSeed; // A(0) = seed
        byte[] block = new byte[hashLength];
        int written = 0;
        while (written < length)
        {
            a = Hmac(sha384, secret, a); // A(i) = HMAC(secret, A(i-1))
            byte[] input = [.. a, .. labelSeed];
            Hmac(sha384, secret, input, block);
            int take = Math.Min(hashLength, length - written);
            block.AsSpan(0, take).CopyTo(output.AsSpan(written));
            written += take;
        }

        return output;
    }

    private static byte[] Hmac(bool sha384, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data) =>
        sha384 ? HMACSHA384.HashData(key, data) : HMACSHA256.HashData(key, data);

    private static void Hmac(bool sha384, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        _ = sha384 ? HMACSHA384.HashData(key, data, destination) : HMACSHA256.HashData(key, data, destination);
    }
}
