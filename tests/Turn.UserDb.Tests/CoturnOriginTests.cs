namespace Turn.UserDb.Tests;

public sealed class CoturnOriginTests
{
    // Inputs and what coturn 4.6.1's turnadmin -O stored for them.
    public static TheoryData<string, string> Cases => new()
    {
        { "HTTP://X.ORG", "http://x.org:80" },
        { "http://[::1]", "http://[::1]:80" },
        { "http://[::1]:99/", "http://[::1]:99" },
        { "http://user:pw@h.org/", "http://h.org:80" },
        { "http://h2.org:", "http://h2.org:80" },
        { "http://h3.org:abc", "http://h3.org:abc" },
        { "foo://h4.org", "foo://h4.org" },
        { "http:h5.org", "http:h5.org" },
        { "C.ORG", "C.ORG" },
        { "ftp://F.org", "ftp://f.org:21" },
        { "svn+ssh://s.org", "svn+ssh://s.org:22" },
        { "TURNS://T.ORG?x=1", "turns://t.org:5349" },
        { "http://h6.org#frag", "http://h6.org:80" },
        { "http://H7.org:0", "http://h7.org:80" },
        { "http://h8.org:65536", "http://h8.org:65536" },
        { "http://h9.org:99999999999", "http://h9.org:99999999999" },
        { "web+x://h10.org", "web+x://h10.org" },
        { "1http://h11.org", "1http://h11.org" },
        { "http://h 12.org", "http://h 12.org" },
        { "http://%41.org", "http://%41.org:80" },
        { "https://\u00c4\u00d6.org", "https://\u00c4\u00d6.org" },
        { "http://h13.org:0080", "http://h13.org:80" },
        { "http://Example.COM:8080/path", "http://example.com:8080" },
        { "https://b.org", "https://b.org:443" },
        { "stun://S.example", "stun://s.example:3478" },
        { "http://[v1.x]:5", "http://[v1.x]:5" },
        { "http://[fe80::1%25eth0]", "http://[fe80::1%25eth0]" },
        { "http://h14.org/\u00e4", "http://h14.org/\u00e4" },
        { "http://h15.org/a b", "http://h15.org/a b" },
        { "http://", "http://" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void CanonicalizeMatchesCoturnTable(string input, string expected)
        => Assert.Equal(expected, CoturnOrigin.Canonicalize(input));

    [Fact]
    public void CanonicalizeMatchesCoturnLive()
    {
        using var dir = new TempDir();
        string db = dir.File("origins.db");
        var inputs = Cases.Select(row => (string)row[0]).Where(i => i != "http://").ToList();
        for (int i = 0; i < inputs.Count; i++)
        {
            CliResult r = Coturn.Run(db, "-O", "-b", db, "-o", inputs[i], "-r", "realm" + i);
            Assert.Equal(0, r.ExitCode);
        }

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var origins = ListOrigins(db);
        for (int i = 0; i < inputs.Count; i++)
        {
            Assert.Equal(origins["realm" + i], CoturnOrigin.Canonicalize(inputs[i]));
        }
    }

    [Fact]
    public void LongOriginsAreCutTo127Bytes()
    {
        string longHost = "http://" + new string('a', 200) + ".org";
        Assert.Equal(127, CoturnOrigin.Canonicalize(longHost).Length);
        Assert.StartsWith("http://aaaa", CoturnOrigin.Canonicalize(longHost), StringComparison.Ordinal);
    }

    private static Dictionary<string, string> ListOrigins(string db)
    {
        var task = Task.Run(async () =>
        {
            await using IUserDatabase udb = await new Sqlite.SqliteUserDatabaseFactory().OpenAsync(db);
            return (await udb.ListOriginsAsync(null)).ToDictionary(o => o.Realm, o => o.Origin);
        });
        return task.GetAwaiter().GetResult();
    }
}
