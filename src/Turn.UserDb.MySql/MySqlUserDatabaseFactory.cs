using System.Net.Sockets;
using MySql.Data.MySqlClient;
using Turn.UserDb.Sql;

namespace Turn.UserDb.MySql;

/// <summary>
/// Opens coturn-compatible MySQL / MariaDB user databases (<c>-M/--mysql-userdb</c>): coturn's tables of
/// <c>turndb/schema.sql</c>, which this backend never creates (load them with <c>mysql db &lt; turndb/schema.sql</c>).
/// The connection string is coturn's (see <see cref="MySqlConnectionInfo"/>); the driver is MySql.Data 8.0.16.
/// </summary>
/// <remarks>
/// Values are matched exactly even in tables with a case- or accent-insensitive collation (MariaDB's and MySQL's
/// defaults): the backend adds a binary comparison to coturn's statements. Such a table's primary key still treats
/// "bob" and "Bob" (or "a" and "a ") as the same row, so the second of them cannot be added
/// (<see cref="UserDbException"/>); create the tables with <c>utf8mb4_bin</c> to tell them apart.
/// </remarks>
public sealed class MySqlUserDatabaseFactory : IUserDatabaseFactory
{
    /// <summary>Connect timeout when the connection string gives none.</summary>
    public TimeSpan DefaultConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one statement may run when the string gives no read_timeout.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>coturn's <c>--secret-key-file</c> key (16 bytes, <see cref="SecretKeyCipher.ReadKeyFile"/>): the password in the string is then encrypted.</summary>
    public ReadOnlyMemory<byte> SecretKey { get; init; }

    /// <summary>Reads MYSQL_UNIX_PORT; null = the process environment.</summary>
    public Func<string, string?>? Environment { get; init; }

    /// <inheritdoc />
    public string Name => "MySQL";

    /// <inheritdoc />
    public bool CanOpen(UserDbKind kind) => kind == UserDbKind.MySql;

    /// <summary>The MySql.Data settings the factory would use (with the password: do not log it).</summary>
    /// <exception cref="UserDbException">The connection string is malformed.</exception>
    public MySqlConnectionStringBuilder BuildSettings(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        return MySqlConnectionInfo.ToMySqlData(connectionString, DefaultConnectTimeout, CommandTimeout, SecretKey.Span, Environment);
    }

    /// <inheritdoc />
    public async Task<IUserDatabase> OpenAsync(string connectionString, CancellationToken ct = default)
    {
        MySqlConnectionStringBuilder settings = BuildSettings(connectionString);
        var callTimeout = TimeSpan.FromSeconds(settings.ConnectionTimeout) + (2 * TimeSpan.FromSeconds(settings.DefaultCommandTimeout)) + TimeSpan.FromSeconds(5);
        var db = new MySqlUserDatabase(settings, callTimeout);
        try
        {
            await db.PingAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await db.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return db;
    }
}

/// <summary>One MySQL / MariaDB user database (MySql.Data connection pool).</summary>
internal sealed class MySqlUserDatabase : SqlUserDatabase
{
    // MySQL error numbers (mysqld_error.h, errmsg.h).
    private const int DuplicateEntry = 1062;
    private const int NoSuchTable = 1146;
    private const int LockDeadlock = 1213;
    private const int TruncatedWrongValue = 1292;
    private const int IncorrectStringValue = 1366;
    private const int ServerGoneAway = 2006;
    private const int ServerLost = 2013;

    private readonly string _connectionString;

    public MySqlUserDatabase(MySqlConnectionStringBuilder settings, TimeSpan callTimeout)
        : base("MySQL " + MySqlConnectionInfo.Describe(settings), callTimeout, settings.Password)
    {
        _connectionString = settings.ConnectionString;
    }

    public override ValueTask DisposeAsync()
    {
        try
        {
            using var connection = new MySqlConnection(_connectionString);
            MySqlConnection.ClearPool(connection);
        }
        catch (MySqlException)
        {
        }

        return ValueTask.CompletedTask;
    }

    protected override System.Data.Common.DbConnection NewConnection() => new MySqlConnection(_connectionString);

    // Exact match in any collation: the plain comparison lets the index find the candidates (case-insensitively in a
    // *_ci table), the binary one keeps only the identical value, the length check defeats PAD SPACE ('a' = 'a ').
    protected override string Eq(string column, string parameter)
        => $"({column}={parameter} and {column}={parameter} collate utf8mb4_bin and char_length({column})=char_length({parameter}))";

    // MySql.Data 8.0.16 misreads the result metadata of MariaDB 10.6+ for utf8mb3 ("utf8") columns (tables made
    // with the old "utf8" character set) unless the session's result character set has been set explicitly.
    protected override async Task OnOpenedAsync(System.Data.Common.DbConnection connection, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SET character_set_results=utf8mb4";
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    // MySql.Data's *Async methods run synchronously: keep the caller's thread free, and let it go on cancellation.
    protected override Task<T> ScheduleAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken ct)
        => Task.Run(() => work(ct), ct).WaitAsync(ct);

    protected override bool IsRetryable(Exception e) => e is MySqlException { Number: LockDeadlock or DuplicateEntry };

    protected override bool IsBrokenConnection(Exception e)
        => e is MySqlException { Number: ServerGoneAway or ServerLost } or MySqlException { InnerException: IOException or SocketException } or IOException;

    protected override bool CarriesValues(Exception e) => e is MySqlException { Number: DuplicateEntry or TruncatedWrongValue or IncorrectStringValue };

    protected override string? DescribeFailure(Exception e) => e switch
    {
        MySqlException { Number: NoSuchTable } m
            => $"{m.Message}: the database lacks coturn's tables (load turndb/schema.sql into it)",
        MySqlException { Number: DuplicateEntry }
            => "another row has the same key: the table's collation compares the new value equal to an existing one "
                + "(case- or accent-insensitive, or trailing blanks); create the tables with utf8mb4_bin to keep both",
        MySqlException { Number: IncorrectStringValue or TruncatedWrongValue }
            => "a value cannot be stored in the column's character set (use utf8mb4 tables for non-ASCII text)",
        _ => null,
    };
}
