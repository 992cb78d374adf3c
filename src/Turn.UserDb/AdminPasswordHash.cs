using System.Security.Cryptography;
using System.Text;

namespace Turn.UserDb;

/// <summary>
/// coturn's encrypted admin / CLI password form, produced by <c>turnadmin -P</c> and stored in <c>admin_user.password</c>
/// and <c>cli-password</c>: <c>$5$</c> + 16 lower-case hex digits of an 8-byte random salt + <c>$</c> +
/// 64 lower-case hex digits of SHA-256(salt bytes ‖ password bytes).
/// </summary>
/// <remarks>
/// The salt is hashed as its 8 raw bytes (not as the 16 hex characters) followed by the password's UTF-8 bytes; this was
/// checked against coturn 4.6.1's output. It is not glibc's <c>crypt()</c> SHA-256 scheme despite the <c>$5$</c> prefix.
/// </remarks>
public static class AdminPasswordHash
{
    /// <summary>Salt length in bytes (printed as twice as many hex digits).</summary>
    public const int SaltLength = 8;

    private const string Prefix = "$5$";
    private const int HashedLength = 3 + (SaltLength * 2) + 1 + (SHA256.HashSizeInBytes * 2);

    /// <summary>Hashes <paramref name="password"/> with a fresh random salt.</summary>
    public static string Create(string password)
    {
        Span<byte> salt = stackalloc byte[SaltLength];
        RandomNumberGenerator.Fill(salt);
        return Create(password, salt);
    }

    /// <summary>Hashes <paramref name="password"/> with the given 8-byte salt (deterministic; for tests and verification).</summary>
    public static string Create(string password, ReadOnlySpan<byte> salt)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (salt.Length != SaltLength)
        {
            throw new ArgumentException($"The salt must be {SaltLength} bytes.", nameof(salt));
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        Digest(salt, password, digest);
        return string.Concat(Prefix, Convert.ToHexStringLower(salt), "$", Convert.ToHexStringLower(digest));
    }

    /// <summary>True when <paramref name="stored"/> has the <c>$5$&lt;16 hex&gt;$&lt;64 hex&gt;</c> shape.</summary>
    public static bool IsHashed(string? stored) => TryParse(stored, out _, out _);

    /// <summary>
    /// Checks a password against a stored value: the <c>$5$</c> form is verified by hashing; any other stored text is a
    /// plain-text password (coturn accepts those in <c>cli-password</c> and hand-written <c>admin_user</c> rows) and is
    /// compared exactly. Comparisons take constant time. An empty stored value never matches.
    /// </summary>
    public static bool Verify(string password, string? stored)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (string.IsNullOrEmpty(stored))
        {
            return false;
        }

        if (TryParse(stored, out byte[] salt, out byte[] expected))
        {
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            Digest(salt, password, digest);
            return CryptographicOperations.FixedTimeEquals(digest, expected);
        }

        if (stored.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false; // "$5$" but malformed: never a plain-text match
        }

        byte[] a = Encoding.UTF8.GetBytes(password);
        byte[] b = Encoding.UTF8.GetBytes(stored);
        try
        {
            return a.Length == b.Length && CryptographicOperations.FixedTimeEquals(a, b);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(a);
            CryptographicOperations.ZeroMemory(b);
        }
    }

    private static bool TryParse(string? stored, out byte[] salt, out byte[] digest)
    {
        salt = [];
        digest = [];
        if (stored is null || stored.Length != HashedLength || !stored.StartsWith(Prefix, StringComparison.Ordinal) || stored[3 + (SaltLength * 2)] != '$')
        {
            return false;
        }

        ReadOnlySpan<char> saltHex = stored.AsSpan(3, SaltLength * 2);
        ReadOnlySpan<char> digestHex = stored.AsSpan(3 + (SaltLength * 2) + 1);
        if (!IsHex(saltHex) || !IsHex(digestHex))
        {
            return false;
        }

        salt = Convert.FromHexString(saltHex);
        digest = Convert.FromHexString(digestHex);
        return true;
    }

    private static bool IsHex(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static void Digest(ReadOnlySpan<byte> salt, string password, Span<byte> destination)
    {
        byte[] pwd = Encoding.UTF8.GetBytes(password);
        byte[] buffer = new byte[salt.Length + pwd.Length];
        try
        {
            salt.CopyTo(buffer);
            pwd.CopyTo(buffer.AsSpan(salt.Length));
            SHA256.HashData(buffer, destination);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pwd);
            CryptographicOperations.ZeroMemory(buffer);
        }
    }
}
