using Turn.Protocol;

namespace Turn.Server.Auth;

/// <summary>
/// The long-term keys one user may authenticate with: MD5(user:realm:password) for the classic
/// mechanism (RFC 8489 §9.2.2) and, when the password itself is known, the SHA-256 key of
/// PASSWORD-ALGORITHM SHA-256 (§18.5.1.2). Databases that store only coturn's hmackey give MD5 alone.
/// </summary>
public sealed class UserKey
{
    public UserKey(byte[] md5, byte[]? sha256 = null)
    {
        if (md5.Length != 16)
        {
            throw new ArgumentException("an MD5 long-term key is 16 bytes", nameof(md5));
        }

        Md5 = md5;
        Sha256 = sha256;
    }

    public byte[] Md5 { get; }

    public byte[]? Sha256 { get; }

    /// <summary>Derives both keys from a password (OpaqueString-prepared as RFC 8489 says).</summary>
    public static UserKey FromPassword(string username, string realm, string password) =>
        new(StunKeys.LongTermMd5(username, realm, password), StunKeys.LongTermSha256(username, realm, password));

    public byte[]? For(StunPasswordAlgorithm algorithm) => algorithm == StunPasswordAlgorithm.Sha256 ? Sha256 : Md5;
}
