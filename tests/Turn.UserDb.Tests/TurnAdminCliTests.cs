using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Turn.UserDb.Tests;

/// <summary>Our turnadmin against coturn's on the same command lines: exit codes, stdout and error texts.</summary>
public sealed class TurnAdminCliTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Db => _dir.File("cli.db");

    /// <summary>Command lines both tools reject with the same coturn message on stderr and exit code 255.</summary>
    public static TheoryData<string[], string> SameErrors => new()
    {
        { ["-a"], "The operation cannot be completed: the user must be set." },
        { ["-a", "-r", "r"], "The operation cannot be completed: the user must be set." },
        { ["-a", "-u", "bob"], "The operation cannot be completed: the password must be set." },
        { ["-a", "-u", "bob", "-r", "r", "-p", ""], "The operation cannot be completed: the password must be set." },
        { ["-a", "-u", "bob", "-p", "x"], "The operation cannot be completed: the realm must be set." },
        { ["-d", "-u", "bob"], "The operation cannot be completed: the realm must be set." },
        { ["-d", "-r", "r"], "The operation cannot be completed: the user must be set." },
        { ["-k"], "The operation cannot be completed: the user must be set." },
        { ["-k", "-u", "bob", "-r", "r"], "The operation cannot be completed: the password must be set." },
        { ["-s", "secret"], "The operation cannot be completed: the realm must be set." },
        { ["-X", "secret"], "The operation cannot be completed: the realm must be set." },
        { ["--delete-all-secrets"], "The operation cannot be completed: the realm must be set." },
        { ["-O", "-r", "r"], "The operation cannot be completed: the origin must be set." },
        { ["-O", "-o", "http://x.org"], "The operation cannot be completed: the realm must be set." },
        { ["-R"], "The operation cannot be completed: the origin must be set." },
        { ["-g", "--max-bps", "5"], "The operation cannot be completed: the realm must be set." },
        { ["-g", "-r", "r"], "The operation cannot be completed: a realm option must be set." },
        { ["-A", "-p", "x"], "The operation cannot be completed: the user must be set." },
        { ["-A", "-u", "adm"], "The operation cannot be completed: the password must be set." },
        { ["-D"], "The operation cannot be completed: the user must be set." },
        { ["-Z"], "turnadmin: invalid option -- 'Z'" },
        { ["--version"], "turnadmin: unrecognized option '--version'" },
        { ["--nosuch=1"], "turnadmin: unrecognized option '--nosuch=1'" },
        { ["--list=3"], "turnadmin: option '--list' doesn't allow an argument" },
        { ["-l", "--user"], "turnadmin: option '--user' requires an argument" },
        { ["-l", "-u"], "turnadmin: option requires an argument -- 'u'" },
        { ["--us=x"], "turnadmin: option '--us=x' is ambiguous; possibilities: '--userdb' '--user' '--user-quota'" },
        { ["--delete-a"], "turnadmin: option '--delete-a' is ambiguous; possibilities: '--delete-all-secrets' '--delete-admin'" },
        { ["--ge"], "turnadmin: option '--ge' is ambiguous; possibilities: '--generate-encrypted-password' '--generate-encrypted-password-aes'" },
    };

    [Theory]
    [MemberData(nameof(SameErrors))]
    public void ErrorsMatchCoturn(string[] args, string message)
    {
        // The database goes first so that a trailing option without its value cannot swallow it.
        string[] full = ["-b", Db, .. args];
        CliResult coturn = Coturn.Run(Db, full);
        CliResult ours = Ours.Run(full);
        Assert.Equal(255, coturn.ExitCode);
        Assert.Equal(255, ours.ExitCode);
        Assert.Equal(message, coturn.FirstStderrLine);
        Assert.Equal(message, ours.FirstStderrLine);
        Assert.Equal(string.Empty, ours.Stdout);
    }

    /// <summary>Command lines that only print the usage text to stderr and exit 255 in both tools.</summary>
    public static TheoryData<string[]> UsageErrors =>
    [
        [],
        ["-b", "x.db"],
        ["-l", "extra"],
        ["-X"],        // -X takes "-b" as its value; the file name is then a stray argument
        ["-P"],        // -P without -p
        ["-p", "x", "-E"],
        ["-H"],
        ["-K"],
        ["-Y"],
        ["-l", "--", "-a"],
    ];

    [Theory]
    [MemberData(nameof(UsageErrors))]
    public void UsageErrorsMatchCoturn(string[] args)
    {
        string[] full = args.Length > 0 && args[0] == "-X" ? ["-X", "-b", Db] : [.. args, "-b", Db];
        CliResult coturn = Coturn.Run(Db, full);
        CliResult ours = Ours.Run(full);
        Assert.Equal(255, coturn.ExitCode);
        Assert.Equal(255, ours.ExitCode);
        Assert.Contains("Usage: turnadmin [command] [options]", coturn.Stderr, StringComparison.Ordinal);
        Assert.Contains("Usage: turnadmin [command] [options]", ours.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, ours.Stdout);
    }

    /// <summary>-u/-r/-p values coturn refuses: both exit 255 (coturn logs the error to stdout, we print it on stderr).</summary>
    public static TheoryData<string[], string> RefusedValues => new()
    {
        { ["-k", "-u", "bo b", "-r", "r", "-p", "x"], "Wrong user name structure or symbols, choose another name: bo b" },
        { ["-k", "-u", "bo'b", "-r", "r", "-p", "x"], "Wrong user name structure or symbols, choose another name: bo'b" },
        { ["-k", "-u", "bo\"b", "-r", "r", "-p", "x"], "Wrong user name structure or symbols, choose another name: bo\"b" },
        { ["-k", "-u", "bo\\b", "-r", "r", "-p", "x"], "Wrong user name structure or symbols, choose another name: bo\\b" },
        { ["-k", "-u", "x-UNION-y-Select", "-r", "r", "-p", "x"], "Wrong user name structure or symbols, choose another name: x-UNION-y-Select" },
        { ["-a", "-u", "bo\tb", "-r", "r", "-p", "x"], "Wrong user name structure or symbols, choose another name: bo\tb" },
        { ["-a", "-u", "bo\u0001b", "-r", "r", "-p", "x"], "Wrong user name: bo\u0001b" },
        { ["-a", "-u", "bob", "-r", "r\u0007", "-p", "x"], "Wrong realm: r\u0007" },
        { ["-a", "-u", "bob", "-r", "r", "-p", "x\ty"], "Wrong password" },
        { ["-A", "-u", "bob", "-p", "x\u007f"], "Wrong password" },
    };

    [Theory]
    [MemberData(nameof(RefusedValues))]
    public void RefusedValuesMatchCoturn(string[] args, string message)
    {
        string[] full = ["-b", Db, .. args];
        CliResult coturn = Coturn.Run(Db, full);
        CliResult ours = Ours.Run(full);
        Assert.Equal(255, coturn.ExitCode);
        Assert.Equal(255, ours.ExitCode);
        Assert.Contains("ERROR: " + message, coturn.Log, StringComparison.Ordinal);
        Assert.StartsWith("ERROR: " + message, ours.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("x\ty", ours.Stderr, StringComparison.Ordinal); // passwords are never echoed
        Assert.Equal(string.Empty, ours.Stdout);
        Assert.False(File.Exists(Db) && Ours.Run("-l", "-b", Db).Stdout.Contains("bob", StringComparison.Ordinal));
    }

    [Fact]
    public void HelpGoesToStdoutWithExitZero()
    {
        CliResult coturn = Coturn.Run(Db, "--help");
        CliResult ours = Ours.Run("--help");
        Assert.Equal(0, coturn.ExitCode);
        Assert.Equal(0, ours.ExitCode);
        Assert.StartsWith("\nUsage: turnadmin [command] [options]\n", coturn.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("\nUsage: turnadmin [command] [options]\n", ours.Stdout, StringComparison.Ordinal);

        // Every long option of coturn's table is in our help.
        foreach (string option in new[]
        {
            "--generate-encrypted-password", "--key", "--add", "--add-admin", "--delete", "--delete-admin", "--list", "--list-admin",
            "--set-secret", "--show-secret", "--delete-secret", "--delete-all-secrets", "--add-origin", "--del-origin", "--list-origins",
            "--set-realm-option", "--list-realm-options", "--generate-encrypted-password-aes", "--db", "--userdb", "--psql-userdb",
            "--sql-userdb", "--mysql-userdb", "--redis-userdb", "--mongo-userdb", "--user", "--realm", "--password", "--key-path",
            "--file-key-path", "--verify", "--origin", "--max-bps", "--total-quota", "--user-quota", "--help",
        })
        {
            Assert.Contains(option, ours.Stdout, StringComparison.Ordinal);
        }

        // Difference: coturn's short -h demands a value, so a bare "turnadmin -h" is an error there.
        CliResult bare = Coturn.RunWithoutDatabase("-h");
        Assert.Equal(255, bare.ExitCode);
        Assert.Equal("turnadmin: option requires an argument -- 'h'", bare.FirstStderrLine);
        Assert.Equal(0, Coturn.RunWithoutDatabase("-h", "x").ExitCode);
        Assert.Equal(0, Ours.Run("-h").ExitCode);
        Assert.Equal(0, Ours.Run("-h", "x").ExitCode);
    }

    [Fact]
    public void OptionSyntaxVariantsWorkAlike()
    {
        Assert.Equal(0, Coturn.Run(Db, "-a", "-b", Db, "-u", "bob", "-r", "example.org", "-p", "secret").ExitCode);
        string[][] variants =
        [
            ["-lb", Db],
            ["-l", "-b" + Db],
            ["--list", "--db=" + Db],
            ["--list", "--userdb", Db],
            ["--lis" + "t", "--use" + "rdb", Db], // exact match wins over longer names
            ["--list-ad", "--db", Db],
            ["-a", "-u", "x", "-r", "example.org", "-p", "y", "-l", "-b", Db], // the last command wins
            ["-b", Db, "-l", "-r", "example.org"],
            ["-r", "example.org", "-b", Db, "--list"],
            ["--realm=example.org", "-l", "--db", Db],
            ["--list-origins=ignored", "-b", Db],
            ["-I", "-b", Db],
            ["--list-realm-option", "-b", Db],
            ["--show-secret", "-b", Db],
        ];
        foreach (string[] args in variants)
        {
            CliResult coturn = Coturn.Run(Db, args);
            CliResult ours = Ours.Run(args);
            Assert.True(coturn.ExitCode == ours.ExitCode && coturn.Stdout == ours.Stdout, $"{string.Join(' ', args)}\ncoturn: {coturn}\nours: {ours}");
        }
    }

    [Fact]
    public void WriteCommandsPrintNothingAndExitZeroLikeCoturn()
    {
        string coturnDb = _dir.File("c.db");
        string ourDb = _dir.File("o.db");
        string[][] commands =
        [
            ["-a", "-u", "bob", "-r", "r", "-p", "x"],
            ["-a", "-u", "bob", "-r", "r", "-p", "y"],
            ["-d", "-u", "nobody", "-r", "r"],
            ["-s", "s1", "-r", "r"],
            ["-s", "s1", "-r", "r"],
            ["-X", "nosuch", "-r", "r"],
            ["--delete-all-secrets", "-r", "other"],
            ["-O", "-o", "x.org", "-r", "r"],
            ["-R", "-o", "nosuch.org"],
            ["-g", "-r", "r", "--max-bps", "10"],
            ["-A", "-u", "adm", "-p", "x"],
            ["-A", "-u", "adm", "-p", "y"],
            ["-D", "-u", "nosuch"],
            ["-k", "-u", "bob", "-r", "r", "-p", "x"],
        ];
        foreach (string[] cmd in commands)
        {
            CliResult coturn = Coturn.Run(coturnDb, [.. cmd, "-b", coturnDb]);
            CliResult ours = Ours.Run([.. cmd, "-b", ourDb]);
            Assert.Equal(0, coturn.ExitCode);
            Assert.Equal(0, ours.ExitCode);
            Assert.Equal(coturn.Stdout, ours.Stdout);
            Assert.Equal(coturn.Stderr, ours.Stderr);
        }
    }

    [Fact]
    public void EncryptedPasswordCommandHonoursArgumentOrderLikeCoturn()
    {
        var format = new Regex("^\\$5\\$[0-9a-f]{16}\\$[0-9a-f]{64}\n$");
        foreach (string[] args in new[] { new[] { "-P", "-p", "pw" }, ["-p", "pw", "-P"], ["--generate-encrypted-password", "--password=pw"], ["-P", "-p", "pw", "-Z"] })
        {
            CliResult coturn = Coturn.Run(Db, args);
            CliResult ours = Ours.Run(args);
            Assert.Equal(0, coturn.ExitCode);
            Assert.Equal(0, ours.ExitCode);
            Assert.Matches(format, coturn.Stdout);
            Assert.Matches(format, ours.Stdout);
            Assert.True(AdminPasswordHash.Verify("pw", ours.Stdout.TrimEnd('\n')));
        }
    }

    // ------------------------------------------------------------------ documented differences

    [Fact]
    public void MissingDatabaseIsAnErrorForCommandsThatNeedAnExistingOne()
    {
        string missing = _dir.File("missing.db");
        foreach (string[] args in new[] { new[] { "-l" }, ["-S"], ["-I"], ["-G"], ["-L"], ["-d", "-u", "u", "-r", "r"], ["-D", "-u", "u"], ["-X", "s", "-r", "r"], ["-R", "-o", "o"] })
        {
            CliResult ours = Ours.Run([.. args, "-b", missing]);
            Assert.Equal(1, ours.ExitCode);
            Assert.Contains(missing, ours.Stderr, StringComparison.Ordinal);
            Assert.Contains("does not exist", ours.Stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(missing));
        }

        // coturn creates an empty database and prints nothing.
        CliResult coturn = Coturn.Run(missing, "-l", "-b", missing);
        Assert.Equal(0, coturn.ExitCode);
        Assert.True(File.Exists(missing));

        // A directory that does not exist: coturn logs an error and exits 0; we exit 1.
        string nowhere = _dir.File("no/such/dir/x.db");
        CliResult ours2 = Ours.Run("-a", "-u", "u", "-r", "r", "-p", "p", "-b", nowhere);
        Assert.Equal(1, ours2.ExitCode);
        Assert.Contains("cannot open", ours2.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, Coturn.Run(nowhere, "-a", "-u", "u", "-r", "r", "-p", "p", "-b", nowhere).ExitCode);

        // Creating commands make the file, with turndb/schema.sql.
        Assert.Equal(0, Ours.Run("-s", "x", "-r", "r", "-b", missing + "2").ExitCode);
        Assert.Equal(8, SqliteBackendTests.ReadSchema(missing + "2").Count);
    }

    [Theory]
    [InlineData("-J", "MongoDB", "-J/--mongo-userdb", "not available in this build")]
    [InlineData("--mongo-userdb", "MongoDB", "-J/--mongo-userdb", "not available in this build")]
    public void OtherBackendsAreClearlyNotAvailable(string option, string name, string options, string phrase)
    {
        foreach (string[] command in new[] { new[] { "-l" }, ["-a", "-u", "u", "-r", "r", "-p", "p"], ["-k", "-u", "u", "-r", "r", "-p", "p"] })
        {
            CliResult ours = Ours.Run([.. command, option, "host=127.0.0.1 dbname=turn user=turn password=hidden"]);
            Assert.Equal(255, ours.ExitCode);
            Assert.Contains(name, ours.Stderr, StringComparison.Ordinal);
            Assert.Contains(options, ours.Stderr, StringComparison.Ordinal);
            Assert.Contains(phrase, ours.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("hidden", ours.Stderr, StringComparison.Ordinal);
            Assert.Equal(string.Empty, ours.Stdout);
        }

        // The last database option wins, as in coturn.
        Assert.Equal(0, Ours.Run("-s", "x", "-r", "r", option, "whatever", "-b", Db).ExitCode);
    }

    [Fact]
    public void AdminUserNamesAreUniqueAcrossRealms()
    {
        Assert.Equal(0, Ours.Run("-A", "-u", "adm", "-p", "one", "-b", Db).ExitCode);
        Assert.Equal(0, Ours.Run("-A", "-u", "adm", "-p", "two", "-b", Db).ExitCode); // same realm: password update, as coturn

        CliResult dup = Ours.Run("-A", "-u", "adm", "-r", "example.org", "-p", "three", "-b", Db);
        Assert.Equal(255, dup.ExitCode);
        Assert.Contains("already exists", dup.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("three", dup.Stderr, StringComparison.Ordinal);
        Assert.Equal("adm\n", Ours.Run("-L", "-b", Db).Stdout);

        // coturn silently moves the admin to the other realm.
        string coturnDb = _dir.File("coturn-admin.db");
        Assert.Equal(0, Coturn.Run(coturnDb, "-A", "-u", "adm", "-p", "one", "-b", coturnDb).ExitCode);
        Assert.Equal(0, Coturn.Run(coturnDb, "-A", "-u", "adm", "-r", "example.org", "-p", "three", "-b", coturnDb).ExitCode);
        Assert.Equal("adm[example.org]\n", Coturn.Run(coturnDb, "-L", "-b", coturnDb).Stdout);

        // Deleting first is the way to move it.
        Assert.Equal(0, Ours.Run("-D", "-u", "adm", "-b", Db).ExitCode);
        Assert.Equal(0, Ours.Run("-A", "-u", "adm", "-r", "example.org", "-p", "three", "-b", Db).ExitCode);
        Assert.Equal("adm[example.org]\n", Ours.Run("-L", "-b", Db).Stdout);
    }

    [Fact]
    public void RealmOptionZeroRemovesAndBadNumbersAreRefused()
    {
        string coturnDb = _dir.File("c.db");
        foreach (string db in new[] { Db, coturnDb })
        {
            var run = db == Db ? (Func<string[], CliResult>)Ours.Run : a => Coturn.Run(coturnDb, a);
            Assert.Equal(0, run(["-g", "-r", "r", "--total-quota", "10", "--user-quota", "5", "-b", db]).ExitCode);
            Assert.Equal(0, run(["-g", "-r", "r", "--total-quota", "0", "-b", db]).ExitCode);
        }

        Assert.Equal("user-quota[r]=5\n", Ours.Run("-G", "-b", Db).Stdout);
        Assert.Equal("total-quota[r]=10\nuser-quota[r]=5\n", Coturn.Run(coturnDb, "-G", "-b", coturnDb).Stdout); // coturn 4.6.1 SQLite ignores 0

        foreach (string bad in new[] { "-5", "abc", "1.5", "", "99999999999" })
        {
            CliResult r = Ours.Run("-g", "-r", "r", "--user-quota", bad, "-b", Db);
            Assert.Equal(255, r.ExitCode);
            Assert.Contains("--user-quota", r.Stderr, StringComparison.Ordinal);
        }

        Assert.Equal(0, Ours.Run("-g", "-r", "r", "--max-bps", "18446744073709551615", "-b", Db).ExitCode);
        Assert.Contains("max-bps[r]=18446744073709551615", Ours.Run("-G", "-b", Db).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptySecretIsRefusedInsteadOfDeletingAllSecrets()
    {
        Assert.Equal(0, Ours.Run("-s", "keep", "-r", "r", "-b", Db).ExitCode);
        CliResult r = Ours.Run("-X", string.Empty, "-r", "r", "-b", Db);
        Assert.Equal(255, r.ExitCode);
        Assert.Equal("The operation cannot be completed: the secret must be set.", r.FirstStderrLine);
        Assert.Equal("keep[r]\n", Ours.Run("-S", "-b", Db).Stdout);
        Assert.Equal(255, Ours.Run("-s", string.Empty, "-r", "r", "-b", Db).ExitCode); // coturn: silently nothing

        string coturnDb = _dir.File("c.db");
        Assert.Equal(0, Coturn.Run(coturnDb, "-s", "keep", "-r", "r", "-b", coturnDb).ExitCode);
        Assert.Equal(0, Coturn.Run(coturnDb, "-X", string.Empty, "-r", "r", "-b", coturnDb).ExitCode);
        Assert.Equal(string.Empty, Coturn.Run(coturnDb, "-S", "-b", coturnDb).Stdout); // coturn deleted every secret
    }

    [Fact]
    public void OverlongValuesAreRefusedInsteadOfCut()
    {
        string longUser = new('u', 513);
        CliResult r = Ours.Run("-a", "-u", longUser, "-r", "r", "-p", "p", "-b", Db);
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("512", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, Ours.Run("-a", "-u", new string('u', 512), "-r", "r", "-p", "p", "-b", Db).ExitCode);
        Assert.Equal(255, Ours.Run("-a", "-u", "u", "-r", new string('r', 128), "-p", "p", "-b", Db).ExitCode);
        Assert.Equal(255, Ours.Run("-a", "-u", "u", "-r", "r", "-p", new string('p', 257), "-b", Db).ExitCode);
        Assert.Equal(255, Ours.Run("-s", new string('s', 257), "-r", "r", "-b", Db).ExitCode);
        Assert.Equal(255, Ours.Run("-O", "-o", "http://" + new string('o', 130), "-r", "r", "-b", Db).ExitCode);
    }

    [Fact]
    public void PublishedEntryPointRuns()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "turnadmin.dll");
        Assert.True(File.Exists(dll), dll);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { dll, "-k", "-u", "bob", "-r", "example.org", "-p", "secret" })
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.Equal(0, p.ExitCode);
        Assert.Equal("0x3d43f24c71b71cdd4be54e0721962a79\n", stdout);
    }
}
