using System.Security.Cryptography;
using System.Text;

namespace Turn.Protocol.Tests;

public class KeyTests
{
    [Fact]
    public void Long_term_md5_is_md5_of_user_realm_password()
    {
        byte[] expected = MD5.HashData(Encoding.UTF8.GetBytes("user:example.org:secret pass"));
        Assert.Equal(expected, StunKeys.LongTermMd5("user", "example.org", "secret pass"));
        Assert.Equal(expected, StunKeys.LongTerm(StunPasswordAlgorithm.Md5, "user", "example.org", "secret pass"));

        Span<byte> destination = stackalloc byte[16];
        Assert.Equal(16, StunKeys.LongTermMd5("user"u8, "example.org"u8, "secret pass"u8, destination));
        Assert.Equal(expected, destination.ToArray());
        Assert.Equal(16, StunKeys.LongTermMd5("user", "example.org", "secret pass", destination));
        Assert.Equal(expected, destination.ToArray());
        Assert.Equal(0, StunKeys.LongTermMd5("user"u8, "example.org"u8, "secret pass"u8, stackalloc byte[15]));
    }

    [Fact]
    public void Long_term_sha256_is_sha256_of_user_realm_password()
    {
        byte[] expected = SHA256.HashData(Encoding.UTF8.GetBytes("user:example.org:secret"));
        Assert.Equal(expected, StunKeys.LongTermSha256("user", "example.org", "secret"));
        Assert.Equal(expected, StunKeys.LongTerm(StunPasswordAlgorithm.Sha256, "user", "example.org", "secret"));
        Span<byte> destination = stackalloc byte[32];
        Assert.Equal(32, StunKeys.LongTermSha256("user"u8, "example.org"u8, "secret"u8, destination));
        Assert.Equal(expected, destination.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => StunKeys.LongTerm((StunPasswordAlgorithm)9, "u", "r", "p"));
    }

    [Fact]
    public void Password_is_prepared_with_opaque_string()
    {
        // U+00A0 (no-break space) maps to U+0020; "e" + U+0301 composes to U+00E9 under NFC.
        Assert.Equal(StunKeys.LongTermMd5("u", "r", "a b\u00E9"), StunKeys.LongTermMd5("u", "r", "a\u00A0be\u0301"));
        // A password OpaqueString rejects (a control character) is used as is, like coturn does.
        Assert.Equal(MD5.HashData(Encoding.UTF8.GetBytes("u:r:tab\there")), StunKeys.LongTermMd5("u", "r", "tab\there"));
    }

    [Fact]
    public void User_hash_and_short_term_key()
    {
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes("alice:example.org")), StunKeys.UserHash("alice", "example.org"));
        Span<byte> destination = stackalloc byte[32];
        Assert.Equal(32, StunKeys.UserHash("alice"u8, "example.org"u8, destination));
        Assert.Equal(0, StunKeys.UserHash("alice"u8, "example.org"u8, stackalloc byte[31]));
        Assert.Equal(Encoding.UTF8.GetBytes("VOkJxbRl1RmTxUk/WvJxBt"), StunKeys.ShortTerm("VOkJxbRl1RmTxUk/WvJxBt"));
    }
}
