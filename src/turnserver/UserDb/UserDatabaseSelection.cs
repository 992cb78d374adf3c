using Turn.Configuration;
using Turn.Server;
using Turn.UserDb;
using Turn.UserDb.Sqlite;

namespace Turn.Daemon.UserDb;

/// <summary>Which user database the configuration names (-b/-e/-M/-N/-J), or the default SQLite file.</summary>
internal static class UserDatabaseSelection
{
    /// <summary>The backends this build has. Each lives in its own project with its own driver.</summary>
    private static readonly IUserDatabaseFactory[] Factories =
    [
        new SqliteUserDatabaseFactory(),
        new Turn.UserDb.Postgres.PostgresUserDatabaseFactory(),
        new Turn.UserDb.MySql.MySqlUserDatabaseFactory(),
        new Turn.UserDb.Redis.RedisUserDatabaseFactory(),
    ];

    /// <summary>
    /// The database to use, or null for none. An explicit option must work (a clear error otherwise);
    /// without one, authentication uses coturn's default SQLite file when it exists.
    /// </summary>
    /// <exception cref="ConfigException">MongoDB, or a backend this build lacks.</exception>
    public static DatabaseHandle? Select(TurnServerConfig c, IServerLog log)
    {
        (UserDbKind kind, string? connection, string option) = c.UserDbType switch
        {
            UserDbType.Sqlite => (UserDbKind.Sqlite, c.UserDb, "userdb"),
            UserDbType.PostgreSql => (UserDbKind.PostgreSql, c.PsqlUserDb, "psql-userdb"),
            UserDbType.MySql => (UserDbKind.MySql, c.MysqlUserDb, "mysql-userdb"),
            UserDbType.Redis => (UserDbKind.Redis, c.RedisUserDb, "redis-userdb"),
            UserDbType.MongoDb => (UserDbKind.MongoDb, c.MongoUserDb, "mongo-userdb"),
            _ => (UserDbKind.Sqlite, null, "userdb"),
        };

        if (kind == UserDbKind.MongoDb)
        {
            throw new ConfigException(
                ConfigErrorKind.InvalidValue,
                "option 'mongo-userdb': MongoDB is not available in this build (no MongoDB driver or server can be built and tested here); use SQLite, PostgreSQL, MySQL/MariaDB or Redis",
                "mongo-userdb",
                connection);
        }

        IUserDatabaseFactory? factory = Array.Find(Factories, f => f.CanOpen(kind));
        if (factory is null)
        {
            throw new ConfigException(
                ConfigErrorKind.InvalidValue,
                $"option '{option}': the {kind} user database backend is not available in this build yet",
                option);
        }

        if (connection is null)
        {
            // No database option: coturn's default SQLite file, if there is one to read.
            string path = SqliteUserDatabaseFactory.ResolveDefaultPath();
            if (!File.Exists(path))
            {
                log.Info($"user database: none configured and {path} does not exist; only users and secrets from the configuration authenticate");
                return null;
            }

            connection = path;
        }

        if (kind == UserDbKind.Sqlite)
        {
            string path = SqliteUserDatabaseFactory.NormalizePath(connection);
            string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (dir is not null && !Directory.Exists(dir))
            {
                Directory.CreateDirectory(dir);
            }

            return new DatabaseHandle(factory, connection, $"SQLite file {Path.GetFullPath(path)}", log);
        }

        return new DatabaseHandle(factory, connection, $"{factory.Name} ({Redact(connection)})", log);
    }

    /// <summary>A connection string without its password, for logs.</summary>
    public static string Redact(string connection) => SecretRedaction.ConnectionString(connection);
}
