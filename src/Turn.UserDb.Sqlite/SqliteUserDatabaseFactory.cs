namespace Turn.UserDb.Sqlite;

/// <summary>Opens coturn-compatible SQLite user databases (<c>-b/--userdb/--db</c>): the connection string is the file path.</summary>
public sealed class SqliteUserDatabaseFactory : IUserDatabaseFactory
{
    /// <summary>
    /// coturn's default database locations, Debian's first: <c>/var/lib/turn/turndb</c> (Debian), <c>/var/db/turndb</c>,
    /// <c>/usr/local/var/db/turndb</c> (other builds).
    /// </summary>
    public static IReadOnlyList<string> DefaultPaths { get; } = ["/var/lib/turn/turndb", "/var/db/turndb", "/usr/local/var/db/turndb"];

    /// <summary>How long a statement waits for another process's lock (coturn's turnserver or turnadmin) before failing.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public string Name => "SQLite";

    /// <summary>The default database when none is configured: the first of <see cref="DefaultPaths"/> that exists, else Debian's.</summary>
    public static string ResolveDefaultPath()
    {
        foreach (string path in DefaultPaths)
        {
            if (File.Exists(path))
            {
                return path;
            }
        }

        return DefaultPaths[0];
    }

    /// <summary>
    /// The file path coturn would open for a <c>--userdb</c> value: leading spaces skipped and a leading <c>~</c> replaced
    /// by <c>$HOME</c> (coturn's fix_user_directory); otherwise unchanged (relative paths stay relative to the working directory).
    /// </summary>
    public static string NormalizePath(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        string path = connectionString.TrimStart(' ');
        if (path.StartsWith('~'))
        {
            string? home = Environment.GetEnvironmentVariable("HOME");
            if (string.IsNullOrEmpty(home))
            {
                home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            }

            if (!string.IsNullOrEmpty(home))
            {
                path = home + path[1..];
            }
        }

        return path;
    }

    /// <inheritdoc />
    public bool CanOpen(UserDbKind kind) => kind == UserDbKind.Sqlite;

    /// <inheritdoc />
    public async Task<IUserDatabase> OpenAsync(string connectionString, CancellationToken ct = default)
        => await SqliteUserDatabase.OpenAsync(connectionString, BusyTimeout, ct).ConfigureAwait(false);
}
