namespace Turn.UserDb.Tests;

public sealed class SecretKeyCipherTests
{
    [Fact]
    public void EncryptionMatchesCoturnBothWays()
    {
        using var dir = new TempDir();
        string scratch = dir.File("scratch.db");
        string keyFile = dir.File("aes.key");
        CliResult made = Coturn.Run(scratch, "-x", keyFile);
        Assert.Equal(0, made.ExitCode);
        byte[] key = SecretKeyCipher.ReadKeyFile(keyFile);
        Assert.Equal(16, key.Length);
        Assert.All(key, b => Assert.True(char.IsAsciiLetterOrDigit((char)b)));

        foreach (string password in new[] { "mysqlpassword", "x", new string('p', 70), "p\u00e4ss;'\"" })
        {
            string coturn = Coturn.Run(scratch, "-E", "-f", keyFile, "-p", password).StdoutLines.Single();
            Assert.Equal(coturn, SecretKeyCipher.Encrypt(key, password));
            Assert.Equal(password, SecretKeyCipher.Decrypt(key, coturn));

            CliResult ours = Ours.Run("-E", "-f", keyFile, "-p", password);
            Assert.Equal(0, ours.ExitCode);
            Assert.Equal(coturn + "\n", ours.Stdout);

            Assert.Equal(password + "\n", Coturn.Run(scratch, "-f", keyFile, "-v", coturn).Stdout);
            Assert.Equal(password + "\n", Ours.Run("-f", keyFile, "-v", coturn).Stdout);
        }
    }

    [Fact]
    public void OurKeyFileWorksWithCoturn()
    {
        using var dir = new TempDir();
        string keyFile = dir.File("ours.key");
        CliResult made = Ours.Run("-x", keyFile);
        Assert.Equal(0, made.ExitCode);
        byte[] bytes = File.ReadAllBytes(keyFile);
        Assert.Equal(16, bytes.Length);
        Assert.All(bytes, b => Assert.True(char.IsAsciiLetterOrDigit((char)b)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));

        string encrypted = Ours.Run("-E", "-f", keyFile, "-p", "dbpass").StdoutLines.Single();
        Assert.Equal("dbpass\n", Coturn.Run(dir.File("scratch.db"), "-f", keyFile, "-v", encrypted).Stdout);
    }

    [Fact]
    public void ShortKeyFilesAndMissingKeysAreErrors()
    {
        using var dir = new TempDir();
        string shortKey = dir.File("short.key");
        File.WriteAllText(shortKey, "abc");
        Assert.Throws<InvalidDataException>(() => SecretKeyCipher.ReadKeyFile(shortKey));

        CliResult r = Ours.Run("-E", "-f", shortKey, "-p", "x");
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("key file", r.Stderr, StringComparison.Ordinal);

        r = Ours.Run("-E", "-p", "x"); // coturn encrypts with an uninitialised key here
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("-f/--file-key-path", r.Stderr, StringComparison.Ordinal);

        r = Ours.Run("-v", "AAAA");
        Assert.Equal(255, r.ExitCode);

        r = Ours.Run("-f", dir.File("missing.key"), "-v", "AAAA");
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("missing.key", r.Stderr, StringComparison.Ordinal);
    }
}
