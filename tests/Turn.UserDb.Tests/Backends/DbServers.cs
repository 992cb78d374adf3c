using System.Diagnostics;
using System.Globalization;
using System.Text;
using MySql.Data.MySqlClient;
using Npgsql;
using StackExchange.Redis;

namespace Turn.UserDb.Tests.Backends;

/// <summary>
/// One real database server for a test collection, started through <c>scripts/dbtest-servers</c> on loopback, a
/// private port and a temporary data directory, and stopped (directory deleted) when the collection is done; a
/// watchdog started with it stops it too if the test process dies.
/// </summary>
public abstract class DbServerFixture : IDisposable
{
    private readonly string _dir;
    private readonly Dictionary<string, string> _env = new(StringComparer.Ordinal);
    private int _counter;

    protected DbServerFixture(string only)
    {
        _dir = Path.Combine(Path.GetTempPath(), $"turn-dbtest-{only}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        var clock = Stopwatch.StartNew();
        CliResult r = Script("start", "--dir", _dir, "--only", only, "--owner-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        StartupTime = clock.Elapsed;
        if (r.ExitCode != 0)
        {
            Script("stop", "--dir", _dir);
            throw new InvalidOperationException(
                $"scripts/dbtest-servers could not start the {only} test server (exit {r.ExitCode}). If a server package is missing, "
                + $"run scripts/install-db-deps.\n{r.Stderr}");
        }

        foreach (string line in r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                _env[line[..eq]] = line[(eq + 1)..].Trim('\'');
            }
        }
    }

    /// <summary>How long <c>dbtest-servers start</c> took.</summary>
    public TimeSpan StartupTime { get; }

    /// <summary>The server's data directory (under the temporary directory).</summary>
    public string Dir => _dir;

    /// <summary>A unique lower-case name for a fresh database or key space.</summary>
    protected string NextName(string prefix) => $"{prefix}_{Interlocked.Increment(ref _counter)}_{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>One variable printed by the script (PG_CONNINFO, MYSQL_PORT, ...).</summary>
    public string Env(string name) => _env.TryGetValue(name, out string? v) ? v : throw new KeyNotFoundException($"dbtest-servers printed no {name}");

    public void Dispose()
    {
        Script("stop", "--dir", _dir);
        GC.SuppressFinalize(this);
    }

    internal static CliResult Script(params string[] args)
    {
        string script = Path.Combine(SqliteBackendTests.RepoRoot(), "scripts", "dbtest-servers");
        var psi = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(script);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot run " + script);
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"scripts/dbtest-servers {string.Join(' ', args)} did not finish within 3 minutes");
        }

        p.WaitForExit();
        return new CliResult(p.ExitCode, stdout.Result, stderr.Result, string.Empty);
    }
}

/// <summary>PostgreSQL 15: role "turn" (CREATEDB), one fresh database per test with turndb/schema.sql loaded.</summary>
public sealed class PostgresServer : DbServerFixture
{
    public PostgresServer()
        : base("pg")
    {
    }

    public string Port => Env("PG_PORT");

    public string Password => Conninfo("turndb").Split("password=")[1].Split(' ')[0];

    /// <summary>coturn's -e string for <paramref name="database"/>.</summary>
    public string Conninfo(string database, int connectTimeout = 10)
        => Env("PG_CONNINFO").Replace("dbname=turndb", "dbname=" + database, StringComparison.Ordinal).Replace("connect_timeout=10", $"connect_timeout={connectTimeout}", StringComparison.Ordinal);

    /// <summary>A new, empty database with coturn's tables; returns its name.</summary>
    public async Task<string> CreateDatabaseAsync(bool withSchema = true)
    {
        string name = NextName("t");
        await using (var admin = new NpgsqlConnection(Npgsql("postgres")))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"create database {name}", admin);
            await create.ExecuteNonQueryAsync();
        }

        if (withSchema)
        {
            await ExecuteAsync(name, File.ReadAllText(Path.Combine(SqliteBackendTests.RepoRoot(), "turndb", "schema.sql")));
        }

        return name;
    }

    /// <summary>Runs an SQL script (several statements) in <paramref name="database"/> as "turn".</summary>
    public async Task ExecuteAsync(string database, string sql)
    {
        await using var c = new NpgsqlConnection(Npgsql(database));
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }

    public string Npgsql(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = int.Parse(Port, CultureInfo.InvariantCulture),
        Database = database,
        Username = "turn",
        Password = Password,
        Pooling = false,
    }.ConnectionString;
}

/// <summary>MariaDB 10.11 (utf8mb4_general_ci, like Debian's default): user "turn", one fresh database per test.</summary>
public sealed class MySqlServer : DbServerFixture
{
    public MySqlServer()
        : base("mysql")
    {
    }

    public string Port => Env("MYSQL_PORT");

    public string Socket => Env("MYSQL_SOCKET");

    public string Password => Env("MYSQL_CONNINFO").Split("password=")[1].Split(' ')[0];

    /// <summary>coturn's -M string for <paramref name="database"/>.</summary>
    public string Conninfo(string database, int connectTimeout = 10)
        => Env("MYSQL_CONNINFO").Replace("dbname=turndb", "dbname=" + database, StringComparison.Ordinal).Replace("connect_timeout=10", $"connect_timeout={connectTimeout}", StringComparison.Ordinal);

    /// <summary>A new, empty database with coturn's tables (server default collation, case-insensitive); returns its name.</summary>
    public async Task<string> CreateDatabaseAsync(bool withSchema = true, string? collation = null)
    {
        string name = NextName("t");
        await ExecuteAsync("mysql", $"create database {name}" + (collation is null ? string.Empty : $" character set utf8mb4 collate {collation}"));
        if (withSchema)
        {
            await ExecuteAsync(name, File.ReadAllText(Path.Combine(SqliteBackendTests.RepoRoot(), "turndb", "schema.sql")));
        }

        return name;
    }

    public async Task ExecuteAsync(string database, string sql)
    {
        await Task.Run(() =>
        {
            using var c = new MySqlConnection(ConnectionString(database));
            c.Open();
            var script = new MySqlScript(c, StripComments(sql));
            script.Execute();
        });
    }

    public string ConnectionString(string database) => new MySqlConnectionStringBuilder
    {
        Server = "127.0.0.1",
        Port = uint.Parse(Port, CultureInfo.InvariantCulture),
        Database = database,
        UserID = "turn",
        Password = Password,
        Pooling = false,
        SslMode = MySqlSslMode.None,
        CharacterSet = "utf8mb4",
    }.ConnectionString;

    private static string StripComments(string sql)
        => string.Join('\n', sql.Split('\n').Select(l => l.TrimStart().StartsWith("--", StringComparison.Ordinal) ? string.Empty : l));
}

/// <summary>Redis 7 with a password and 256 databases: each test gets a database of its own (flushed first).</summary>
public sealed class RedisServer : DbServerFixture
{
    private int _nextDb;

    public RedisServer()
        : base("redis")
    {
    }

    public string Port => Env("REDIS_PORT");

    public string Password => Env("REDIS_CONNINFO").Split("password=")[1].Split(' ')[0];

    /// <summary>coturn's -N string for database <paramref name="db"/>.</summary>
    public string Conninfo(int db, int connectTimeout = 10)
        => Env("REDIS_CONNINFO").Replace("dbname=0", "dbname=" + db.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal).Replace("connect_timeout=10", $"connect_timeout={connectTimeout}", StringComparison.Ordinal);

    /// <summary>A database number not used by another test yet, emptied.</summary>
    public async Task<int> CreateDatabaseAsync()
    {
        int db = (Interlocked.Increment(ref _nextDb) % 255) + 1;
        using ConnectionMultiplexer mux = await ConnectAsync();
        await mux.GetServer(mux.GetEndPoints()[0]).FlushDatabaseAsync(db);
        return db;
    }

    /// <summary>A raw client (admin commands allowed) for test set-up and inspection.</summary>
    public async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var options = new ConfigurationOptions { Password = Password, AllowAdmin = true, AbortOnConnectFail = true, ConnectTimeout = 10000 };
        options.EndPoints.Add("127.0.0.1", int.Parse(Port, CultureInfo.InvariantCulture));
        return await ConnectionMultiplexer.ConnectAsync(options);
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL server";
}

[CollectionDefinition(Name)]
public sealed class MySqlCollection : ICollectionFixture<MySqlServer>
{
    public const string Name = "MariaDB server";
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServer>
{
    public const string Name = "Redis server";
}

/// <summary>coturn 4.6.1's /usr/bin/turnadmin against a PostgreSQL, MySQL or Redis database (never without one).</summary>
internal static partial class CoturnDb
{
    public static CliResult Run(params string[] args)
    {
        if (!args.Any(a => a is "-e" or "-M" or "-N"))
        {
            throw new ArgumentException("coturn's turnadmin must be given an explicit -e/-M/-N database here");
        }

        Coturn.RequireInstalled();
        var psi = new ProcessStartInfo(Coturn.TurnAdmin)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + Coturn.TurnAdmin);
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"coturn's turnadmin {string.Join(' ', args)} did not finish within 60 s");
        }

        process.WaitForExit();
        var output = new StringBuilder();
        var log = new StringBuilder();
        foreach (string line in stdout.Result.Split('\n'))
        {
            if (line.Length > 0)
            {
                (LogLine().IsMatch(line) ? log : output).Append(line).Append('\n');
            }
        }

        // coturn opens its own log file (/var/log/turn_<pid>_<date>.log) and writes the connection string there.
        System.Text.RegularExpressions.Match m = LogFileOpened().Match(log.ToString());
        if (m.Success && Path.GetFileName(m.Groups[1].Value).StartsWith($"turn_{process.Id}_", StringComparison.Ordinal))
        {
            try
            {
                File.Delete(m.Groups[1].Value);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return new CliResult(process.ExitCode, output.ToString(), stderr.Result, log.ToString());
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"log file opened: (\S+)")]
    private static partial System.Text.RegularExpressions.Regex LogFileOpened();

    [System.Text.RegularExpressions.GeneratedRegex(@"^\d+: ")]
    private static partial System.Text.RegularExpressions.Regex LogLine();
}
