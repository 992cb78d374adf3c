namespace Turn.UserDb;

/// <summary>Opens one kind of user database from coturn's connection string for it.</summary>
public interface IUserDatabaseFactory
{
    /// <summary>Backend name for messages ("SQLite", "PostgreSQL", ...).</summary>
    string Name { get; }

    /// <summary>True when this factory serves <paramref name="kind"/>.</summary>
    bool CanOpen(UserDbKind kind);

    /// <summary>
    /// Opens (for SQLite: creates when missing) the database. The connection string has coturn's syntax for the
    /// backend (a file path for SQLite; <c>host=... dbname=...</c> or a URI for the others); each backend parses its own.
    /// </summary>
    /// <exception cref="UserDbException">The database cannot be opened.</exception>
    Task<IUserDatabase> OpenAsync(string connectionString, CancellationToken ct = default);
}

/// <summary>The user database kinds coturn knows (turnserver/turnadmin options -b, -e, -M, -J, -N).</summary>
public enum UserDbKind
{
    /// <summary>-b/--userdb/--db: SQLite file.</summary>
    Sqlite,

    /// <summary>-e/--psql-userdb/--sql-userdb.</summary>
    PostgreSql,

    /// <summary>-M/--mysql-userdb.</summary>
    MySql,

    /// <summary>-J/--mongo-userdb.</summary>
    MongoDb,

    /// <summary>-N/--redis-userdb.</summary>
    Redis,
}
