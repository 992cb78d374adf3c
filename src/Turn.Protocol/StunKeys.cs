using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Turn.Protocol;

/// <summary>
/// Keys for MESSAGE-INTEGRITY / MESSAGE-INTEGRITY-SHA256 and the USERHASH value (RFC 8489 §9.1.1,
/// §9.2.2, §14.4, §18.5.1). Not a hot path: the string overloads allocate; the byte overloads write into
/// the caller's span.
/// </summary>
/// <remarks>
/// The string overloads apply OpaqueString (RFC 8265 §4.2) to realm and password as RFC 8489 §18.5.1
/// says. When a value is not a valid OpaqueString (for example a password with a control character,
/// which coturn accepts) the raw string is used instead, so keys stay equal to coturn's
/// MD5(user:realm:pass) for every password coturn takes. For printable ASCII OpaqueString changes
/// nothing. The byte overloads hash exactly the bytes given.
/// </remarks>
public static class StunKeys
{
    /// <summary>MD5 key length.</summary>
    public const int Md5KeyLength = 16;

    /// <summary>SHA-256 key length.</summary>
    public const int Sha256KeyLength = 32;

    /// <summary>Long-term key (RFC 8489 §18.5.1.1): MD5(username ":" OpaqueString(realm) ":" OpaqueString(password)).</summary>
    public static byte[] LongTermMd5(string username, string realm, string password)
    {
        var key = new byte[Md5KeyLength];
        LongTermMd5(username, realm, password, key);
        return key;
    }

    /// <inheritdoc cref="LongTermMd5(string, string, string)"/>
    public static int LongTermMd5(string username, string realm, string password, Span<byte> destination)
        => HashTriple(username, Prepare(realm), Prepare(password), sha256: false, destination);

    /// <summary>MD5(username ":" realm ":" password) over raw UTF-8 bytes; returns 16, or 0 if the destination is too small.</summary>
    public static int LongTermMd5(ReadOnlySpan<byte> username, ReadOnlySpan<byte> realm, ReadOnlySpan<byte> password, Span<byte> destination)
        => HashTriple(username, realm, password, sha256: false, destination);

    /// <summary>Long-term key for PASSWORD-ALGORITHM SHA-256 (RFC 8489 §18.5.1.2): SHA-256(username ":" OpaqueString(realm) ":" OpaqueString(password)).</summary>
    public static byte[] LongTermSha256(string username, string realm, string password)
    {
        var key = new byte[Sha256KeyLength];
        LongTermSha256(username, realm, password, key);
        return key;
    }

    /// <inheritdoc cref="LongTermSha256(string, string, string)"/>
    public static int LongTermSha256(string username, string realm, string password, Span<byte> destination)
        => HashTriple(username, Prepare(realm), Prepare(password), sha256: true, destination);

    /// <summary>SHA-256(username ":" realm ":" password) over raw UTF-8 bytes; returns 32, or 0 if the destination is too small.</summary>
    public static int LongTermSha256(ReadOnlySpan<byte> username, ReadOnlySpan<byte> realm, ReadOnlySpan<byte> password, Span<byte> destination)
        => HashTriple(username, realm, password, sha256: true, destination);

    /// <summary>The long-term key for the given PASSWORD-ALGORITHM (MD5 when <see cref="StunPasswordAlgorithm.Reserved"/>, i.e. none).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An algorithm this library does not implement.</exception>
    public static byte[] LongTerm(StunPasswordAlgorithm algorithm, string username, string realm, string password) => algorithm switch
    {
        StunPasswordAlgorithm.Reserved or StunPasswordAlgorithm.Md5 => LongTermMd5(username, realm, password),
        StunPasswordAlgorithm.Sha256 => LongTermSha256(username, realm, password),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown password algorithm."),
    };

    /// <summary>USERHASH (RFC 8489 §14.4): SHA-256(OpaqueString(username) ":" OpaqueString(realm)), 32 bytes.</summary>
    public static byte[] UserHash(string username, string realm)
    {
        var hash = new byte[Stun.UserHashLength];
        UserHash(username, realm, hash);
        return hash;
    }

    /// <inheritdoc cref="UserHash(string, string)"/>
    public static int UserHash(string username, string realm, Span<byte> destination)
    {
        byte[] user = Encoding.UTF8.GetBytes(Prepare(username));
        byte[] rlm = Encoding.UTF8.GetBytes(Prepare(realm));
        return UserHash(user, rlm, destination);
    }

    /// <summary>SHA-256(username ":" realm) over raw UTF-8 bytes; returns 32, or 0 if the destination is too small.</summary>
    public static int UserHash(ReadOnlySpan<byte> username, ReadOnlySpan<byte> realm, Span<byte> destination)
    {
        if (destination.Length < Stun.UserHashLength)
        {
            return 0;
        }

        byte[] joined = ArrayPool<byte>.Shared.Rent(username.Length + 1 + realm.Length);
        try
        {
            username.CopyTo(joined);
            joined[username.Length] = (byte)':';
            realm.CopyTo(joined.AsSpan(username.Length + 1));
            return SHA256.HashData(joined.AsSpan(0, username.Length + 1 + realm.Length), destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(joined, clearArray: true);
        }
    }

    /// <summary>Short-term key (RFC 8489 §9.1.1): OpaqueString(password) as UTF-8.</summary>
    public static byte[] ShortTerm(string password) => Encoding.UTF8.GetBytes(Prepare(password));

    private static string Prepare(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return OpaqueString.TryPrepare(value, out string? prepared) ? prepared : value;
    }

    private static int HashTriple(string username, string realm, string password, bool sha256, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(username);
        byte[] u = Encoding.UTF8.GetBytes(username);
        byte[] r = Encoding.UTF8.GetBytes(realm);
        byte[] p = Encoding.UTF8.GetBytes(password);
        try
        {
            return HashTriple(u, r, p, sha256, destination);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(p);
        }
    }

    private static int HashTriple(ReadOnlySpan<byte> username, ReadOnlySpan<byte> realm, ReadOnlySpan<byte> password, bool sha256, Span<byte> destination)
    {
        int keyLength = sha256 ? Sha256KeyLength : Md5KeyLength;
        if (destination.Length < keyLength)
        {
            return 0;
        }

        int total = username.Length + 1 + realm.Length + 1 + password.Length;
        byte[] joined = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            Span<byte> span = joined.AsSpan(0, total);
            username.CopyTo(span);
            span[username.Length] = (byte)':';
            realm.CopyTo(span.Slice(username.Length + 1));
            span[username.Length + 1 + realm.Length] = (byte)':';
            password.CopyTo(span.Slice(username.Length + 2 + realm.Length));
            return sha256 ? SHA256.HashData(span, destination) : MD5.HashData(span, destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(joined, clearArray: true);
        }
    }
}
