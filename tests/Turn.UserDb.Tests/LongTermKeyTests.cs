using System.Security.Cryptography;
using System.Text;

namespace Turn.UserDb.Tests;

public sealed class LongTermKeyTests
{
    [Fact]
    public void KeyIsLowerHexMd5OfUserRealmPassword()
    {
        Assert.Equal("3d43f24c71b71cdd4be54e0721962a79", LongTermKey.ComputeMd5Hex("bob", "example.org", "secret"));
        Assert.Equal(Md5Hex("bob::x"), LongTermKey.ComputeMd5Hex("bob", string.Empty, "x"));
    }

    [Theory]
    [InlineData("bob", "example.org", "secret")]
    [InlineData("a;b", "r--x", "p%_w")]
    [InlineData("user@x.org", "realm with space", "pass word")]
    [InlineData("n", "r", "p\"'\\`$")]
    [InlineData("u", "r", "p\u001f")] // coturn's filter lets 0x1F through
    [InlineData("UPPER", "Example.ORG", "~!@#$%^&*()_+{}|:<>?")]
    [InlineData("u\u00e4", "r\u00f6", "p\u00e4ss")] // non-ASCII without 0xA0/0xAD/0x80..0x9F bytes in UTF-8: same key
    public void KeyEqualsCoturnTurnadminK(string user, string realm, string password)
    {
        using var dir = new TempDir();
        CliResult coturn = Coturn.Run(dir.File("scratch.db"), "-k", "-u", user, "-r", realm, "-p", password);
        CliResult ours = Ours.Run("-k", "-u", user, "-r", realm, "-p", password);
        Assert.Equal(0, coturn.ExitCode);
        Assert.Equal(0, ours.ExitCode);
        Assert.Equal(coturn.Stdout, ours.Stdout);
        Assert.Equal("0x" + LongTermKey.ComputeMd5Hex(user, realm, password) + "\n", ours.Stdout);
    }

    [Fact]
    public void NonAsciiWhereCoturnDiffersIsDocumented()
    {
        using var dir = new TempDir();
        string scratch = dir.File("scratch.db");

        // 'à' is C3 A0 in UTF-8: coturn's byte filter turns A0 into a space and hashes "p\xC3 ss"; we hash the UTF-8.
        CliResult coturn = Coturn.Run(scratch, "-k", "-u", "u", "-r", "r", "-p", "p\u00e0ss");
        byte[] mangled = [.. "u:r:p"u8, 0xC3, 0x20, .. "ss"u8];
        Assert.Equal("0x" + Convert.ToHexStringLower(MD5.HashData(mangled)), coturn.StdoutLines.Single());
        Assert.Equal("0x" + Md5Hex("u:r:p\u00e0ss") + "\n", Ours.Run("-k", "-u", "u", "-r", "r", "-p", "p\u00e0ss").Stdout);

        // '€' is E2 82 AC: coturn refuses the 0x82 byte; we accept it.
        Assert.Equal(255, Coturn.Run(scratch, "-k", "-u", "u", "-r", "r", "-p", "p\u20ac").ExitCode);
        Assert.Equal("0x" + Md5Hex("u:r:p\u20ac") + "\n", Ours.Run("-k", "-u", "u", "-r", "r", "-p", "p\u20ac").Stdout);

        // Decomposed input is NFC-normalized (OpaqueString) in realm and password, as an RFC 8489 client does.
        Assert.Equal(Md5Hex("u:r:\u00e9"), LongTermKey.ComputeMd5Hex("u", "r", "e\u0301"));
    }

    [Theory]
    [InlineData("3d43f24c71b71cdd4be54e0721962a79", true, 16)]
    [InlineData("0x3D43F24C71B71CDD4BE54E0721962A79", true, 16)]
    [InlineData(" 3d43f24c71b71cdd4be54e0721962a79   ", true, 16)]
    [InlineData("3d43f24c71b71cdd4be54e0721962a790", false, 0)]
    [InlineData("3d43f24c71b71cdd4be54e0721962a7900112233445566778899aabbccddeeff", true, 32)]
    [InlineData("3d4", false, 0)]
    [InlineData("xyz0", false, 0)]
    [InlineData("", false, 0)]
    public void TryDecodeReadsStoredHexKeys(string hex, bool ok, int length)
    {
        Assert.Equal(ok, LongTermKey.TryDecode(hex, out byte[] key));
        Assert.Equal(length, key.Length);
    }

    private static string Md5Hex(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
}
