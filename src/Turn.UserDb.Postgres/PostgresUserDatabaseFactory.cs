using System.Net.Sockets;
using Npgsql;
using Turn.UserDb.Sql;

namespace Turn.UserDb.Postgres;

/// <summary>
/// Opens coturn-compatible PostgreSQL user databases (<c>-e/--psql-userdb/--sql-userdb</c>): coturn's tables of
/// <c>turndb/schema.sql</c>, which this backend never creates (coturn does not either: load the schema with
/// <c>psql -f turndb/schema.sql</c>). The connection string is libpq's (see <see cref="PostgresConnectionInfo"/>).
/// </summary>
public sealed class PostgresUserDatabaseFactory : IUserDatabaseFactory
{
    /// <summary>Connect timeout when the connection string gives none (libpq would wait forever).</summary>
    public TimeSpan DefaultConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one statement may run.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Reads the PG* environment variables; null = the process environment (tests substitute their own).</summary>
    public Func<string, string?>? Environment { get; init; }

    /// <inheritdoc />
    public string Name => "PostgreSQL";

    /// <inheritdoc />
    public bool CanOpen(UserDbKind kind) => kind == UserDbKind.PostgreSql;

    /// <summary>The Npgsql connection string the factory would use (with the password: do not log it).</summary>
    /// <exception cref="UserDbException">The connection string is malformed.</exception>
    public NpgsqlConnectionStringBuilder BuildSettings(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        NpgsqlConnectionStringBuilder b = PostgresConnectionInfo.ToNpgsql(connectionString, DefaultConnectTimeout, Environment);
        b.CommandTimeout = Math.Max(1, (int)Math.Ceiling(CommandTimeout.TotalSeconds));
        b.CancellationTimeout = 2000; // ms to wait for the server to acknowledge a cancelled statement
        b.Pooling = true;
        b.NoResetOnClose = true; // no session state is ever changed: spare the server a DISCARD ALL per query
        b.IncludeErrorDetail = false; // row values stay out of messages
        b.ApplicationName ??= "turn-dotnet";
        return b;
    }

    /// <inheritdoc />
    public async Task<IUserDatabase> OpenAsync(string connectionString, CancellationToken ct = default)
    {
        NpgsqlConnectionStringBuilder settings = BuildSettings(connectionString);
        var callTimeout = TimeSpan.FromSeconds(settings.Timeout) + (2 * TimeSpan.FromSeconds(settings.CommandTimeout)) + TimeSpan.FromSeconds(5);
        var db = new PostgresUserDatabase(settings, callTimeout);
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

/// <summary>One PostgreSQL user database (a pooled Npgsql data source).</summary>
internal sealed class PostgresUserDatabase : SqlUserDatabase
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresUserDatabase(NpgsqlConnectionStringBuilder settings, TimeSpan callTimeout)
        : base("PostgreSQL " + PostgresConnectionInfo.Describe(settings), callTimeout, settings.Password, settings.SslPassword)
    {
        _dataSource = NpgsqlDataSource.Create(settings);
    }

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    protected override System.Data.Common.DbConnection NewConnection() => _dataSource.CreateConnection();

    // Writers of the same key queue on an advisory lock (held until the transaction ends) instead of colliding.
    protected override string? LockSql => "select pg_advisory_xact_lock(hashtext(@lock))";

    protected override bool IsRetryable(Exception e) => e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected };

    protected override bool IsBrokenConnection(Exception e)
        => e is NpgsqlException { InnerException: IOException or SocketException } or IOException
            || e is PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow };

    protected override string? DescribeFailure(Exception e) => e switch
    {
        PostgresException { SqlState: PostgresErrorCodes.UndefinedTable } p
            => $"{p.MessageText}: the database lacks coturn's tables (load turndb/schema.sql into it: psql -f turndb/schema.sql)",
        _ => null,
    };
}
