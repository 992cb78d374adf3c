namespace Turn.Configuration.Tests;

/// <summary>Secrets never reach an error message or a log line as written.</summary>
public class SecretRedactionTests
{
    [Theory]
    [InlineData("host=db user=turn password=s3cret dbname=turn", "host=db user=turn password=*** dbname=turn")]
    [InlineData("host=db password='my s3cret words' dbname=turn", "host=db password=*** dbname=turn")]
    [InlineData(@"host=db password='it\'s s3cret' dbname=turn", "host=db password=*** dbname=turn")]
    [InlineData("host=db PASSWORD = \"two s3cret\" port=5432", "host=db PASSWORD = *** port=5432")]
    [InlineData("ip=127.0.0.1 dbname=2 password=s3cret port=6379", "ip=127.0.0.1 dbname=2 password=*** port=6379")]
    [InlineData("postgresql://turn:s3cret@db.example.org/turn", "postgresql://turn:***@db.example.org/turn")]
    [InlineData("mongodb://turn:s3cret@127.0.0.1:27017/coturn", "mongodb://turn:***@127.0.0.1:27017/coturn")]
    [InlineData("host=db dbname=turn", "host=db dbname=turn")]
    public void ConnectionStringsLoseTheirPassword(string connection, string expected)
    {
        string shown = SecretRedaction.ConnectionString(connection);
        Assert.Equal(expected, shown);
        Assert.DoesNotContain("s3cret", shown, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--user=bob:0x123")]
    [InlineData("--user=bob:0xbc807ee29df3c9ffa736523fb2c4e8eZ")]
    [InlineData("--user=s3cretwithoutname")]
    public void ABadUserEntryIsReportedWithoutItsKeyOrPassword(string arg)
    {
        using var env = new TestEnv();
        var e = Assert.Throws<ConfigException>(() => env.LoadNoFiles("-n", "--no-cli", arg));
        string secret = arg.Contains(':', StringComparison.Ordinal) ? arg[(arg.IndexOf(':', StringComparison.Ordinal) + 1)..] : arg[7..];
        Assert.DoesNotContain(secret, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, e.Value ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains("user", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadUserLineInTheFileNamesFileAndLineButNotTheKey()
    {
        using var env = new TestEnv();
        string path = env.WriteConfig("no-cli\nrealm=example.org\nuser=alice:0xdeadbeefZZ\n");
        var e = Assert.Throws<ConfigException>(() => env.LoadNoFiles());
        Assert.Equal(3, e.Line);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("alice", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("deadbeef", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("static-auth-secret")]
    [InlineData("cli-password")]
    [InlineData("pkey-pwd")]
    [InlineData("stateless-nonce-secret")]
    [InlineData("psql-userdb")]
    [InlineData("mysql-userdb")]
    [InlineData("redis-userdb")]
    [InlineData("redis-statsdb")]
    [InlineData("user")]
    public void SecretOptionsAreMarkedInTheTable(string name) =>
        Assert.NotEqual(ValueSecrecy.None, OptionTable.FindLong(name)!.Secrecy);
}
