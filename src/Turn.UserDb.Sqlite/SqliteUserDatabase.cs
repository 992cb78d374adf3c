using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Turn.UserDb.Sqlite;

/// <summary>
/// A coturn-compatible SQLite user database file. Every call opens its own (pooled) connection on a thread-pool thread,
/// so the instance may be used from many threads at once and never blocks its caller; every statement binds its values
/// as parameters.
/// </summary>
/// <remarks>
/// <para>A missing file is created with the tables of <c>turndb/schema.sql</c>. An existing file (for example one
/// written by coturn's turnadmin) is used as it is; like coturn, tables it lacks are created when the file is writable.
/// The journal mode is left alone (coturn's files use the default rollback journal).</para>
/// <para>Concurrent access with coturn's turnserver/turnadmin or another instance is arbitrated by SQLite's file
/// locks; a statement that meets a lock waits up to the busy timeout before failing with <see cref="UserDbException"/>.</para>
/// </remarks>
public sealed class SqliteUserDatabase : IUserDatabase
{
    private readonly string _connectionString;
    private readonly int _busyTimeoutMs;

    private SqliteUserDatabase(string path, string connectionString, int busyTimeoutMs)
    {
        FilePath = path;
        _connectionString = connectionString;
        _busyTimeoutMs = busyTimeoutMs;
    }

    /// <summary>The database file.</summary>
    public string FilePath { get; }

    /// <inheritdoc />
    public string Description => "SQLite " + FilePath;

    /// <summary>Opens <paramref name="connectionString"/> (a file path, see <see cref="SqliteUserDatabaseFactory.NormalizePath"/>), creating it when missing.</summary>
    /// <exception cref="UserDbException">The file cannot be opened or created, or is not an SQLite database.</exception>
    public static async Task<SqliteUserDatabase> OpenAsync(string connectionString, TimeSpan busyTimeout, CancellationToken ct = default)
    {
        string path = SqliteUserDatabaseFactory.NormalizePath(connectionString);
        if (path.Length == 0)
        {
            throw new UserDbException("No SQLite database file was given.");
        }

        if (Directory.Exists(path))
        {
            throw new UserDbException($"Cannot open SQLite database {path}: it is a directory.");
        }

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
        };
        int busyMs = (int)Math.Clamp(busyTimeout.TotalMilliseconds, 0, int.MaxValue);
        var db = new SqliteUserDatabase(path, builder.ToString(), busyMs);
        try
        {
            await db.EnsureSchemaAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await db.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return db;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open; drop them so the file can be moved or deleted.
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }

    // ------------------------------------------------------------------ server side

    /// <inheritdoc />
    public Task<string?> GetUserKeyAsync(string user, string realm, CancellationToken ct = default)
        => ScalarAsync("select hmackey from turnusers_lt where name=$name and realm=$realm", ct, ("$name", user), ("$realm", realm));

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> GetSecretsAsync(string realm, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(realm);
        return await QueryAsync("select value from turn_secret where realm=$realm", r => Text(r, 0), ct, ("$realm", realm)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<string?> GetRealmForOriginAsync(string origin, CancellationToken ct = default)
        => ScalarAsync("select realm from turn_origin_to_realm where origin=$origin", ct, ("$origin", origin));

    /// <inheritdoc />
    public async Task<RealmOptions> GetRealmOptionsAsync(string realm, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(realm);
        var rows = await QueryAsync("select opt,value from turn_realm_option where realm=$realm", r => (Opt: Text(r, 0), Value: Text(r, 1)), ct, ("$realm", realm)).ConfigureAwait(false);
        ulong? maxBps = null;
        int? totalQuota = null;
        int? userQuota = null;
        foreach (var (opt, value) in rows)
        {
            switch (opt)
            {
                case RealmOptionNames.MaxBps:
                    maxBps = CNumber.ToULong(value);
                    break;
                case RealmOptionNames.TotalQuota:
                    totalQuota = CNumber.ToInt(value);
                    break;
                case RealmOptionNames.UserQuota:
                    userQuota = CNumber.ToInt(value);
                    break;
                default:
                    break; // coturn logs "Unknown realm option" and ignores it
            }
        }

        return new RealmOptions(maxBps, totalQuota, userQuota);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<PeerIpRange>> GetAllowedPeerIpsAsync(string? realm, CancellationToken ct = default) => PeerIpsAsync("allowed_peer_ip", realm, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<PeerIpRange>> GetDeniedPeerIpsAsync(string? realm, CancellationToken ct = default) => PeerIpsAsync("denied_peer_ip", realm, ct);

    /// <inheritdoc />
    public async Task<OAuthKey?> GetOAuthKeyAsync(string kid, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(kid);
        var rows = await QueryAsync(
            "select ikm_key,timestamp,lifetime,as_rs_alg,realm from oauth_key where kid=$kid",
            r => new OAuthKey(kid, Text(r, 0), CNumber.ToULong(Value(r, 1)) ?? 0, (uint)Math.Min(CNumber.ToULong(Value(r, 2)) ?? 0, uint.MaxValue), Text(r, 3), Text(r, 4)),
            ct,
            ("$kid", kid)).ConfigureAwait(false);
        return rows.Count > 0 ? rows[0] : null;
    }

    /// <inheritdoc />
    public async Task<AdminUser?> GetAdminUserAsync(string name, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        var rows = await QueryAsync("select realm,password from admin_user where name=$name", r => new AdminUser(name, Text(r, 0), Text(r, 1)), ct, ("$name", name)).ConfigureAwait(false);
        return rows.Count > 0 ? rows[0] : null;
    }

    /// <inheritdoc />
    public async Task PingAsync(CancellationToken ct = default)
        => await ScalarAsync("select 1", ct).ConfigureAwait(false);

    // ------------------------------------------------------------------ admin side

    /// <inheritdoc />
    public Task SetUserKeyAsync(string user, string realm, string hexKey, CancellationToken ct = default)
        => ReplaceAsync(
            "delete from turnusers_lt where realm=$realm and name=$name",
            "insert into turnusers_lt (realm,name,hmackey) values ($realm,$name,$key)",
            ct,
            ("$realm", realm),
            ("$name", user),
            ("$key", hexKey));

    /// <inheritdoc />
    public async Task<bool> DeleteUserAsync(string user, string realm, CancellationToken ct = default)
        => await ExecuteAsync("delete from turnusers_lt where name=$name and realm=$realm", ct, ("$name", user), ("$realm", realm)).ConfigureAwait(false) > 0;

    /// <inheritdoc />
    public async Task<IReadOnlyList<(string User, string Realm)>> ListUsersAsync(string? realm, CancellationToken ct = default)
        => realm is null
            ? await QueryAsync("select name,realm from turnusers_lt order by realm,name", Pair, ct).ConfigureAwait(false)
            : await QueryAsync("select name,realm from turnusers_lt where realm=$realm order by name", Pair, ct, ("$realm", realm)).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IReadOnlyList<(string Secret, string Realm)>> ListSecretsAsync(string? realm, CancellationToken ct = default)
        => realm is null
            ? await QueryAsync("select value,realm from turn_secret order by realm,value", Pair, ct).ConfigureAwait(false)
            : await QueryAsync("select value,realm from turn_secret where realm=$realm order by value", Pair, ct, ("$realm", realm)).ConfigureAwait(false);

    /// <inheritdoc />
    public Task AddSecretAsync(string realm, string secret, CancellationToken ct = default)
        => ReplaceAsync(
            "delete from turn_secret where value=$value and realm=$realm",
            "insert into turn_secret (realm,value) values ($realm,$value)",
            ct,
            ("$realm", realm),
            ("$value", secret));

    /// <inheritdoc />
    public async Task<bool> DeleteSecretAsync(string realm, string secret, CancellationToken ct = default)
        => await ExecuteAsync("delete from turn_secret where value=$value and realm=$realm", ct, ("$value", secret), ("$realm", realm)).ConfigureAwait(false) > 0;

    /// <inheritdoc />
    public Task<int> DeleteAllSecretsAsync(string realm, CancellationToken ct = default)
        => ExecuteAsync("delete from turn_secret where realm=$realm", ct, ("$realm", realm));

    /// <inheritdoc />
    public Task AddOriginAsync(string origin, string realm, CancellationToken ct = default)
        => ReplaceAsync(
            "delete from turn_origin_to_realm where origin=$origin",
            "insert into turn_origin_to_realm (origin,realm) values ($origin,$realm)",
            ct,
            ("$origin", origin),
            ("$realm", realm));

    /// <inheritdoc />
    public async Task<bool> DeleteOriginAsync(string origin, CancellationToken ct = default)
        => await ExecuteAsync("delete from turn_origin_to_realm where origin=$origin", ct, ("$origin", origin)).ConfigureAwait(false) > 0;

    /// <inheritdoc />
    public async Task<IReadOnlyList<(string Origin, string Realm)>> ListOriginsAsync(string? realm, CancellationToken ct = default)
        => realm is null
            ? await QueryAsync("select origin,realm from turn_origin_to_realm order by realm,origin", Pair, ct).ConfigureAwait(false)
            : await QueryAsync("select origin,realm from turn_origin_to_realm where realm=$realm order by origin", Pair, ct, ("$realm", realm)).ConfigureAwait(false);

    /// <inheritdoc />
    public Task SetRealmOptionAsync(string realm, string option, ulong value, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(realm);
        if (!RealmOptionNames.IsKnown(option))
        {
            throw new ArgumentException($"Unknown realm option '{option}' (max-bps, total-quota or user-quota).", nameof(option));
        }

        const string delete = "delete from turn_realm_option where realm=$realm and opt=$opt";
        return value == 0
            ? ExecuteAsync(delete, ct, ("$realm", realm), ("$opt", option))
            : ReplaceAsync(
                delete,
                "insert into turn_realm_option (realm,opt,value) values ($realm,$opt,$value)",
                ct,
                ("$realm", realm),
                ("$opt", option),
                ("$value", value.ToString(CultureInfo.InvariantCulture)));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<(string Realm, string Option, string Value)>> ListRealmOptionsAsync(string? realm, CancellationToken ct = default)
    {
        static (string, string, string) Row(SqliteDataReader r) => (Text(r, 0), Text(r, 1), Text(r, 2));
        return realm is null
            ? await QueryAsync("select realm,opt,value from turn_realm_option order by realm,opt", Row, ct).ConfigureAwait(false)
            : await QueryAsync("select realm,opt,value from turn_realm_option where realm=$realm order by realm,opt", Row, ct, ("$realm", realm)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task SetAdminUserAsync(string name, string realm, string passwordHash, CancellationToken ct = default)
        => ReplaceAsync(
            "delete from admin_user where name=$name",
            "insert into admin_user (realm,name,password) values ($realm,$name,$password)",
            ct,
            ("$realm", realm),
            ("$name", name),
            ("$password", passwordHash));

    /// <inheritdoc />
    public async Task<bool> DeleteAdminUserAsync(string name, CancellationToken ct = default)
        => await ExecuteAsync("delete from admin_user where name=$name", ct, ("$name", name)).ConfigureAwait(false) > 0;

    /// <inheritdoc />
    public async Task<IReadOnlyList<AdminUser>> ListAdminUsersAsync(CancellationToken ct = default)
        => await QueryAsync("select name,realm from admin_user order by realm,name", r => new AdminUser(Text(r, 0), Text(r, 1), string.Empty), ct).ConfigureAwait(false);

    // ------------------------------------------------------------------ plumbing

    private static (string, string) Pair(SqliteDataReader r) => (Text(r, 0), Text(r, 1));

    private static string Text(SqliteDataReader r, int i) => r.IsDBNull(i) ? string.Empty : r.GetString(i);

    private static object? Value(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetValue(i);

    private async Task<IReadOnlyList<PeerIpRange>> PeerIpsAsync(string table, string? realm, CancellationToken ct)
        => realm is null
            ? await QueryAsync($"select realm,ip_range from {table}", r => new PeerIpRange(Text(r, 0), Text(r, 1)), ct).ConfigureAwait(false)
            : await QueryAsync($"select realm,ip_range from {table} where realm=$realm", r => new PeerIpRange(Text(r, 0), Text(r, 1)), ct, ("$realm", realm)).ConfigureAwait(false);

    private async Task EnsureSchemaAsync(CancellationToken ct)
    {
        await RunAsync(
            async connection =>
            {
                var existing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                await using (SqliteCommand list = Command(connection, "select name from sqlite_master where type='table'"))
                {
                    await using SqliteDataReader reader = await list.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        existing.Add(reader.GetString(0));
                    }
                }

                var missing = SqliteSchema.Statements.Where(s => !existing.Contains(s.Table)).ToList();
                if (missing.Count == 0)
                {
                    return 0;
                }

                try
                {
                    await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                    foreach (var (_, sql) in missing)
                    {
                        await using SqliteCommand create = Command(connection, sql);
                        create.Transaction = tx;
                        await create.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                    }

                    await tx.CommitAsync(ct).ConfigureAwait(false);
                }
                catch (SqliteException e) when (existing.Count > 0 && e.SqliteErrorCode is 8 /* READONLY */ or 5 /* BUSY */)
                {
                    // An existing database we may only read (or that stays locked): use it as it is, like coturn does.
                }

                return 0;
            },
            ct).ConfigureAwait(false);
    }

    private async Task<string?> ScalarAsync(string sql, CancellationToken ct, params (string Name, string Value)[] parameters)
    {
        foreach (var (_, value) in parameters)
        {
            ArgumentNullException.ThrowIfNull(value);
        }

        return await RunAsync(
            async connection =>
            {
                await using SqliteCommand command = Command(connection, sql, parameters);
                object? result = await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
                return result is null or DBNull ? null : Convert.ToString(result, CultureInfo.InvariantCulture);
            },
            ct).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<SqliteDataReader, T> map, CancellationToken ct, params (string Name, string Value)[] parameters)
    {
        foreach (var (_, value) in parameters)
        {
            ArgumentNullException.ThrowIfNull(value);
        }

        return await RunAsync(
            async connection =>
            {
                await using SqliteCommand command = Command(connection, sql, parameters);
                await using SqliteDataReader reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                var rows = new List<T>();
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    rows.Add(map(reader));
                }

                return (IReadOnlyList<T>)rows;
            },
            ct).ConfigureAwait(false);
    }

    private async Task<int> ExecuteAsync(string sql, CancellationToken ct, params (string Name, string Value)[] parameters)
    {
        foreach (var (_, value) in parameters)
        {
            ArgumentNullException.ThrowIfNull(value);
        }

        return await RunAsync(
            async connection =>
            {
                await using SqliteCommand command = Command(connection, sql, parameters);
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            },
            ct).ConfigureAwait(false);
    }

    // delete + insert in one write transaction: an upsert that also works on hand-made tables without a primary key.
    private async Task ReplaceAsync(string deleteSql, string insertSql, CancellationToken ct, params (string Name, string Value)[] parameters)
    {
        foreach (var (_, value) in parameters)
        {
            ArgumentNullException.ThrowIfNull(value);
        }

        await RunAsync(
            async connection =>
            {
                await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                await using (SqliteCommand delete = Command(connection, deleteSql, parameters.Where(p => deleteSql.Contains(p.Name, StringComparison.Ordinal))))
                {
                    delete.Transaction = tx;
                    await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                await using (SqliteCommand insert = Command(connection, insertSql, parameters))
                {
                    insert.Transaction = tx;
                    await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                await tx.CommitAsync(ct).ConfigureAwait(false);
                return 0;
            },
            ct).ConfigureAwait(false);
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, IEnumerable<(string Name, string Value)>? parameters = null)
    {
        SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        if (parameters is not null)
        {
            foreach (var (name, value) in parameters)
            {
                command.Parameters.Add(name, SqliteType.Text).Value = value;
            }
        }

        return command;
    }

    // Microsoft.Data.Sqlite does its I/O (and its waits on other processes' locks) synchronously even in the *Async
    // methods, so every call runs on the thread pool: the caller gets its Task back at once.
    private Task<T> RunAsync<T>(Func<SqliteConnection, Task<T>> body, CancellationToken ct)
        => Task.Run(() => RunOnPoolAsync(body, ct), ct);

    private async Task<T> RunOnPoolAsync<T>(Func<SqliteConnection, Task<T>> body, CancellationToken ct)
    {
        try
        {
            await using var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using (SqliteCommand pragma = Command(connection, "PRAGMA busy_timeout = " + _busyTimeoutMs.ToString(CultureInfo.InvariantCulture)))
            {
                await pragma.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            return await body(connection).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            // SQLite's own message names the failure ("file is not a database", "database is locked", "no such table");
            // it never contains bound parameter values.
            throw new UserDbException($"SQLite user database {FilePath}: {e.Message}", e);
        }
    }
}
